#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace deid {

struct InputFile {
    std::filesystem::path path;      // as found
    std::filesystem::path relative;  // where its output goes under OUTDIR
    std::string problem;             // e.g. a folder that cannot be listed: the input fails with it
    std::string not_followed;        // a symbolic link to a folder: reported as skipped, never walked
    std::size_t walk_index = 0;      // its place among a batch's files, set by the batch runner
};

// The files of the inputs, one at a time: files given directly, and every
// regular file under folders, depth first with each folder's entries in
// sorted order (so the order of a sort of the whole paths). A folder's files
// keep their layout relative to it; a file given directly lands at the top
// of OUTDIR. Output paths come from the input's relative path only, never
// from header values. Only the listings of the folders on the current path
// are held, so memory does not grow with the corpus. Never throws: a folder
// that cannot be listed is yielded as an input with a `problem`.
// Symbolic links to files are followed; symbolic links to folders inside an
// input folder are not (they may loop, or reach the same files twice): each
// is yielded with `not_followed` set, so that commands report it as skipped.
// A folder given as an input may itself be a link.
class InputWalk {
public:
    using Filter = std::function<bool(const InputFile&)>;
    explicit InputWalk(std::vector<std::filesystem::path> inputs, Filter keep = {});

    std::optional<InputFile> next();

private:
    struct Folder {
        std::filesystem::path root;                // the input folder the relative paths start at
        std::vector<std::filesystem::path> rest;   // entries still to visit, last one first
    };
    std::optional<InputFile> next_unfiltered();
    void enter(const std::filesystem::path& folder, const std::filesystem::path& root);

    std::vector<std::filesystem::path> inputs_;
    std::size_t next_input_ = 0;
    std::vector<Folder> open_;
    std::optional<InputFile> unlisted_;  // a folder that could not be listed, yielded next
    Filter keep_;
};

// How many files the walk yields, for progress displays (walks once more).
std::size_t count_inputs(const std::vector<std::filesystem::path>& inputs, const InputWalk::Filter& keep = {});

}  // namespace deid
