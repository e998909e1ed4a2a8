#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "interpreter/eval/evaluator.hpp"

namespace deid {

// `put --vars FILE`: one JSON object of variables for every file. Values
// are strings, numbers, true/false or lists of them (a list is joined with
// '\', DICOM's multi-value separator); an entry of `get`'s output
// ({"name", "vr", "value"}) counts by its value. Anything else (null, an
// object, a list of lists) is an error naming the key and its type, and a
// file that is no valid JSON an error naming the line and column.
// The variables, or the error text ("vars.json: error: ...").
std::variant<Variables, std::string> read_global_variables(const std::filesystem::path& path);

// `put --ids FILE`: `deid get`'s output, maybe edited — an object of file
// entries, each an object of variables (element entries by path id, and the
// user's own keys). A file's entry is found by its path after both are made
// absolute and normalised (`./a/../b.dcm` is `b.dcm`, symbolic links
// resolved), so the path need not be spelt as `get` printed it. Lookups are
// thread-safe; entries that no input used are reported at the end.
class FileVariables {
public:
    static std::variant<FileVariables, std::string> read(const std::filesystem::path& path);

    // The variables of `input`'s entry, or null.
    [[nodiscard]] const Variables* for_input(const std::filesystem::path& input) const;

    // The keys of the entries no input used, as written in the file, that
    // `expected` says belong to this run (a shard's other files do not).
    [[nodiscard]] std::vector<std::string>
    unused(const std::function<bool(const std::filesystem::path&)>& expected) const;

    [[nodiscard]] bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::string key;  // as written
        std::filesystem::path normalised;
        Variables variables;
        std::unique_ptr<std::atomic<bool>> used = std::make_unique<std::atomic<bool>>(false);
    };
    std::vector<Entry> entries_;
    std::unordered_map<std::string, std::size_t> by_path_;  // normalised path -> entry
};

// The path as --ids and --explain compare paths: absolute, `.`/`..`
// resolved, symbolic links followed as far as the path exists.
std::filesystem::path normalised_path(const std::filesystem::path& path);

}  // namespace deid
