#pragma once

// The crosswalk (`put --mapping FILE`, README "The crosswalk"): for the
// honest broker, per input its output and the output's SHA-256, and every
// identifier the run replaced, original -> pseudonym. It is identifying
// data: an SQLite file created 0600, never inside OUTDIR.
//
// Schema (format "deid crosswalk 1"):
//   about(name PRIMARY KEY, value)                   format, key_fingerprint
//   files(input PRIMARY KEY, output, sha256, bytes)  one row per input with an output (indexed by output)
//   pseudonyms(kind, original, issuer, pseudonym)    PRIMARY KEY (kind, original, issuer):
//                                                    one pseudonym per original, across runs
//   file_pseudonyms(input, kind, original, issuer)   which input had which
//
// Writing is safe under -j: one connection, guarded; the workers' entries
// are committed together, one transaction per batch window (the entries
// that arrive while the previous transaction commits). A worker's call
// returns once its entry is committed, so an entry exists only for an
// output that already has its final name, and the report line follows it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "engine/sqlite.hpp"

namespace deid {

// One identifier a run replaced. kind: PatientID, PatientName,
// AccessionNumber, StudyID, UID (any element), DateOffset (original: the
// PatientID, pseudonym: days). issuer: the IssuerOfPatientID for PatientID
// and DateOffset, else "".
struct CrosswalkPseudonym {
    std::string kind;
    std::string original;
    std::string issuer;
    std::string pseudonym;
    friend bool operator==(const CrosswalkPseudonym&, const CrosswalkPseudonym&) = default;
};

struct CrosswalkFile {
    std::string input;
    std::string output;
    std::string sha256;
    std::uintmax_t bytes = 0;
    std::vector<CrosswalkPseudonym> pseudonyms;
};

// What the crosswalk's `about` table says of the key: its fingerprint, or
// this for runs without a key.
inline constexpr std::string_view kUnkeyed = "none";

class Crosswalk {
public:
    // Opens `file` for a run, creating it (mode 0600) when missing. Refused:
    // a file others may read or write, one that is no crosswalk, and one
    // written with another key (`fingerprint`, or kUnkeyed).
    static std::unique_ptr<Crosswalk> open(const std::filesystem::path& file, std::string_view fingerprint,
                                           std::string& error);
    ~Crosswalk();

    // Commits one input's entry (replacing an earlier one of the same
    // input); returns when it is on the disk, or with the reason it is not:
    // an original the crosswalk already maps to another pseudonym (named by
    // kind only: messages never carry originals), or SQLite's error. Thread-safe.
    std::optional<std::string> record(const CrosswalkFile& file);
    // Removes an input's entry (its output was removed after all).
    std::optional<std::string> forget(std::string_view input);
    // Whether `input` has an entry for `output` with this hash (--resume).
    bool has_entry(std::string_view input, std::string_view output, std::string_view sha256);
    // The input whose entry names `output`, if any.
    std::optional<std::string> input_of(std::string_view output);
    // --resume: removes the entries whose output no longer exists. How many.
    std::variant<std::size_t, std::string> forget_missing_outputs();
    // Folds the write-ahead log into the file (end of the run).
    std::optional<std::string> checkpoint();

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    struct Pending;
    Crosswalk(std::filesystem::path path, std::unique_ptr<sqlite::Database> database);
    std::optional<std::string> prepare_statements();
    void commit(const std::vector<Pending*>& batch);
    std::optional<std::string> write_one(const CrosswalkFile& file);
    // Removes the entries of `inputs` in one transaction; the caller holds
    // database_lock_.
    std::optional<std::string> forget_entries(const std::vector<std::string>& inputs);

    std::filesystem::path path_;
    std::unique_ptr<sqlite::Database> database_;
    std::mutex database_lock_;  // whoever uses the connection
    std::mutex queue_lock_;     // the entries waiting, and who commits
    std::condition_variable committed_;
    std::vector<Pending*> queue_;
    bool committing_ = false;
    sqlite::Statement insert_pseudonym_, find_pseudonym_, forget_links_, insert_file_, insert_link_, find_file_,
        forget_file_, find_owner_;
};

// The crosswalk read by `deid mapping` and `deid verify --mapping`.
struct CrosswalkPair {
    std::string input;
    std::string output;
};
std::variant<std::vector<CrosswalkPair>, std::string> crosswalk_files(const std::filesystem::path& file);

// `deid mapping lookup FILE --pseudonym V | --original V`: the matching
// rows, one a line: kind, original, issuer, pseudonym, tab-separated (a tab,
// line break or '\' inside a value written \t, \n, \r, \\). 0 when found,
// 1 when not, 2 for an unreadable crosswalk.
enum class LookupBy { pseudonym, original };
int run_mapping_lookup(const std::filesystem::path& file, LookupBy by, std::string_view value, std::ostream& out,
                       std::ostream& err);

// `deid mapping export FILE --csv`: one CSV row per input and replaced
// identifier (input, output, sha256, bytes, kind, original, issuer,
// pseudonym), sorted; an input without any replaced identifier has one row
// with the last four empty.
int run_mapping_export(const std::filesystem::path& file, std::ostream& out, std::ostream& err);

// `deid mapping merge OUT IN...`: the union of crosswalks (the shards of one
// corpus) into a new file OUT (0600; refused when it exists). An original
// with two pseudonyms, or an input with two outputs, is an error naming
// both, and nothing is written; so are crosswalks of different keys.
int run_mapping_merge(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs,
                      std::ostream& out, std::ostream& err);

}  // namespace deid
