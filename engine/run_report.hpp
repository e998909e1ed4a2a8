#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/io/file_system.hpp"

namespace deid {

// One line of `put --report`: what became of one input.
struct ReportLine {
    std::string input;
    std::string output;  // empty when nothing was written
    std::string status;  // written, skipped, failed, quarantined, resumed
    std::string error;
    std::string sha256;  // of the output
    std::uintmax_t bytes = 0;  // of the output
    std::size_t changes = 0;
    std::vector<std::string> warnings;
};

// The JSON text of a line (one object, no newline). Paths and texts that are
// not UTF-8 keep their bytes as \udcXX escapes (see json_quote).
std::string to_json(const ReportLine& line);

// The report file of a run, one JSON line per input, appended as each file
// is finished — a line is written (one write, no buffering) right after its
// output got its final name, so after a kill the report lists every output
// that exists, and at most the outputs in flight are missing from it. Lines
// come in the order files finish. An input may have several lines across
// runs (failed, then written by --resume); its last line is its final state.
class RunReport {
public:
    // Opens (creates) the report for appending; nullptr with `error` set.
    static std::unique_ptr<RunReport> open(const std::filesystem::path& path, FileSystem& files, std::string& error);

    // Appends one line. Thread-safe. An error text when it could not be written.
    std::optional<std::string> append(const ReportLine& line);

private:
    RunReport(std::filesystem::path path, std::unique_ptr<WritableFile> file)
        : path_(std::move(path)), file_(std::move(file)) {}
    std::filesystem::path path_;
    std::unique_ptr<WritableFile> file_;
    std::mutex lock_;
};

// What earlier runs' reports say of the outputs they wrote, for --resume:
// the output path of each last "written"/"quarantined"/"resumed" line, with
// its size and hash.
class EarlierOutputs {
public:
    struct Record {
        std::uintmax_t bytes = 0;
        std::string sha256;
        std::string input;  // as the report names it (JSON text)
        // Whether the line was written for `path` (the same spelling).
        [[nodiscard]] bool written_from(const std::filesystem::path& path) const;
    };
    // Reads the report if it exists; lines that do not parse are ignored.
    static EarlierOutputs read(const std::filesystem::path& report);

    [[nodiscard]] const Record* find(const std::filesystem::path& output) const;
    [[nodiscard]] bool empty() const { return records_.empty(); }

private:
    std::unordered_map<std::string, Record> records_;  // by output path
};

// The SHA-256 of a file's bytes (hex), or "" when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& path);

// The SHA-256 of `bytes` (hex).
std::string sha256_of_bytes(std::string_view bytes);

}  // namespace deid
