#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/io/file_system.hpp"
#include "runtime/io/inputs.hpp"

namespace deid {

// Keeps a run's outputs away from its inputs and from each other; the rule
// of the tool: no input is ever touched, no output overwrites another.
//
// Before any work (refusal(), colliding_inputs()):
//  - the output folder may not be an input folder, inside one, or hold one
//    (outputs would be written among the inputs), nor be the folder of an
//    input file (its output would take the input's place), whatever the
//    options; symbolic links are resolved first;
//  - two inputs that map to one output path are a usage error naming both.
// For every output (check_target(), claim()):
//  - its folder, symbolic links resolved, is still under the output folder
//    and outside every input folder, and it is not an input file given by
//    name; an existing file at the output path is not the input itself
//    (same device and inode: a hard link);
//  - no output path is written twice in one run.
class OutputGuard {
public:
    OutputGuard(std::vector<std::filesystem::path> inputs, std::filesystem::path output, FileSystem& files);

    // Why the run must not start, naming the input and the reason.
    [[nodiscard]] std::optional<std::string> refusal() const;

    // The first two inputs that map to the same output path, walking the
    // inputs once more (names only). `relative` gives an input's path under
    // the output folder.
    struct Collision {
        std::filesystem::path first;
        std::filesystem::path second;
        std::filesystem::path output;
    };
    [[nodiscard]] std::optional<Collision> colliding_inputs(const InputWalk::Filter& keep = {}) const;

    // Why `input` may not be written to `target`, or nothing.
    [[nodiscard]] std::optional<std::string> check_target(const InputFile& input,
                                                          const std::filesystem::path& target) const;

    // Takes `target` for this run: false if an earlier file of the run
    // already has it. Thread-safe.
    bool claim(const std::filesystem::path& target);

    // Why a file the run keeps beside its outputs (the crosswalk, `what`)
    // may not be `file`: inside the output folder (it would be taken for
    // de-identified data) or inside an input folder. Symbolic links resolved.
    [[nodiscard]] std::optional<std::string> check_side_file(const std::filesystem::path& file,
                                                             std::string_view what) const;

private:
    std::vector<std::filesystem::path> inputs_;
    std::filesystem::path output_;
    std::filesystem::path output_real_;                 // symbolic links resolved
    std::vector<std::filesystem::path> input_folders_;  // resolved
    std::vector<std::filesystem::path> input_files_;    // resolved
    FileSystem& files_;
    std::mutex lock_;
    std::unordered_set<std::size_t> claimed_;  // hashes of output paths written by this run
};

// "Human readable" form of a collision, naming both inputs.
std::string describe(const OutputGuard::Collision& collision);

}  // namespace deid
