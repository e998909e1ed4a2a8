#pragma once

// deid's public C++ API: de-identify DICOM data inside your own program with
// the same recipes, profiles and Lua hooks as the `deid` command.
//
//   deid::api::CompileOptions options;          // nothing chosen: --profile basic
//   options.recipe_files = {"site.deid"};        // your recipes run after the profile
//   deid::api::Compilation compiled = deid::api::compile(options);
//   for (const auto& diagnostic : compiled.diagnostics) std::cerr << diagnostic.text() << '\n';
//   if (!compiled.recipe) return 2;              // the recipes have errors: nothing would run as written
//
//   deid::api::Applier applier(*compiled.recipe);  // one per thread
//   deid::api::Outcome outcome = applier.apply_file("in.dcm", "out/in.dcm", {{"entity_id", "P-0001"}});
//
// Thread safety: compile() may be called from any thread. A Recipe is
// immutable: copies share it, and any number of threads may read it at once.
// An Applier holds what one thread needs to apply a recipe (its own Lua
// state and a memo of the recipe's patterns): make one per thread; it may
// move to another thread but must not be used by two threads at a time.
// The Lua time limit uses the real-time signal SIGRTMIN+5 (sent to the
// thread running the call), which the host program must leave to deid.
//
// Nothing is printed: diagnostics, warnings and what Lua hooks log come back
// as values. DCMTK's own log lines ("W: DcmItem: Length of element ... is
// odd") go to DCMTK's logger, which the host configures (the deid command
// turns it off: OFLog::configure(OFLogger::OFF_LOG_LEVEL)).
//
// Errors: bad recipes never throw; they come back as diagnostics. A file
// that cannot be de-identified (not DICOM, unreadable, a failing Lua hook,
// an output that cannot be written) throws deid::api::Error, and nothing is
// written under the output's name.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

class DcmDataset;
class DcmFileFormat;

namespace deid::api {

// The library's version, "0.1.0" (the same as `deid --version`).
std::string_view version();

enum class Severity { error, warning, note };

// A finding about a recipe, as `deid lint` prints it.
struct Diagnostic {
    Severity severity = Severity::error;
    std::string file;          // the recipe file, a RecipeText's name, or "<bundled>/deid.dicom"
    std::uint32_t line = 0;    // 1-based; 0 when it is about the whole file
    std::uint32_t column = 0;  // 1-based, in bytes
    std::string code;          // a stable identifier, e.g. "unknown-keyword"
    std::string message;

    // "site.deid:12:8: error: unknown DICOM keyword 'PatientsNme' (did you mean 'PatientName'?)"
    [[nodiscard]] std::string text() const;
};

// A recipe held in memory; `name` is how diagnostics and changes name it.
struct RecipeText {
    std::string name;
    std::string text;
};

// What compile() combines into one recipe, in this order: the profile or
// the bundled default, then `recipe_files`, then `recipe_texts` (spec §7).
// With none of them the PS3.15 basic profile runs, as `deid put` does: the
// safe path is the default one.
struct CompileOptions {
    // A PS3.15 confidentiality profile as `deid put --profile` takes it:
    // "basic" or "basic,retain-uids,clean-descriptors,...". Empty: none.
    std::string profile;
    // The established tool's bundled recipe deid.dicom, as `--default`. It
    // keeps identity (see README); not together with `profile`.
    bool default_recipe = false;
    std::vector<std::filesystem::path> recipe_files;
    std::vector<RecipeText> recipe_texts;

    // Lua scripts defining the functions of `func:NAME` (a name they do not
    // define is a recipe error), and the only files their deid.csv may read.
    std::vector<std::filesystem::path> lua_scripts;
    std::vector<std::filesystem::path> lua_data;
    // The limits of every Lua call, as --lua-timeout, --lua-instructions and --lua-memory.
    double lua_seconds = 5.0;
    std::uint64_t lua_instructions = 10'000'000;
    std::size_t lua_memory_bytes = std::size_t{64} << 20U;

    // The site's pseudonym key, a file `deid keygen` wrote (as `deid put
    // --key-file`): deid_func:hash_uid, hash_id and shift_date, and the
    // profile's UIDs and pseudonyms, derive from it, and DeidentificationMethod
    // names its fingerprint. Without it those built-ins give empty values
    // (never the original) and compile() says so in a warning: a library
    // does not create a per-user key behind its caller's back. A key file
    // that cannot be read (missing, readable by others, not a key) is an
    // Error (setup) naming the file, never its contents.
    std::optional<std::filesystem::path> key_file;

    bool remove_private = false;   // remove every private element first (--remove-private)
    bool strip_sequences = false;  // remove every sequence first (--strip-sequences)
    // Black out burned-in text where the recipes' %filter groups (for a
    // profile: the bundled default's) name regions, as --clean-pixels.
    bool clean_pixels = false;
    // Compile recipes with errors anyway; the actions that did not bind are
    // skipped (--force). Without it a recipe with errors gives no Recipe.
    bool force = false;
};

class Applier;

// Compiled recipes, ready to apply: immutable, cheap to copy, shared
// read-only by every thread.
class Recipe {
public:
    // Whether applying it writes the PS3.15 method elements and holds back
    // files whose header says BurnedInAnnotation YES.
    [[nodiscard]] bool uses_profile() const;

    struct State;  // private to the library: compile() makes it
    explicit Recipe(std::shared_ptr<const State> state);

private:
    friend class Applier;
    std::shared_ptr<const State> state_;
};

struct Compilation {
    // Absent when the recipes have errors (unless CompileOptions::force) or
    // a Lua script does not load.
    std::optional<Recipe> recipe;
    // Every error, warning and note, ordered by file, line and column.
    std::vector<Diagnostic> diagnostics;
};

// Parses, combines and checks the recipes, as `deid lint` does. Never throws
// for bad recipes or scripts: they are diagnostics. Throws Error (setup)
// when DCMTK's data dictionary cannot be loaded or the options contradict
// each other (an unknown profile, `profile` with `default_recipe`).
Compilation compile(const CompileOptions& options);

// A file's variables for `var:NAME` (and the `vars` of Lua hooks), e.g. the
// four the bundled default expects: entity_id, item_id, entity_timestamp,
// item_timestamp.
using Variables = std::map<std::string, std::string, std::less<>>;

enum class ChangeKind { added, replaced, blanked, removed };

// One element a recipe changed, as `deid put --explain` prints it.
struct Change {
    std::string path;  // path id: "(0010,0010)", nested "(0008,1115)__0__(0020,000E)"
    std::string name;  // "PatientName", nested "ReferencedSeriesSequence__SeriesInstanceUID"
    ChangeKind kind = ChangeKind::replaced;
    std::vector<std::string> before;  // values (multi-valued: one per value)
    std::vector<std::string> after;
    // The recipe line that did it; line 0 for --remove-private,
    // --strip-sequences and the profile's method elements.
    std::string recipe_file;
    std::uint32_t recipe_line = 0;
};

// Something that did not happen as the recipe says, or is worth knowing
// about the result; the data is left as the spec says and the work goes on.
struct Warning {
    std::string path;  // the element's path id, or "" for the whole dataset
    std::string message;
    std::string recipe_file;  // "" when no recipe line caused it
    std::uint32_t recipe_line = 0;

    // "(0010,0020): ... (site.deid:12)", as `deid put` prints it.
    [[nodiscard]] std::string text() const;
};

struct Outcome {
    std::vector<Change> changes;
    std::vector<Warning> warnings;
    std::vector<std::string> lua_log;  // the lines the hooks gave deid.log, in order
    // Set when the pixels may still show identity: the header says
    // BurnedInAnnotation YES under a profile and no filter cleaned it, or a
    // filter flagged the data with no region to clean (clean_pixels). The
    // header is de-identified all the same; apply_file() writes nothing, and
    // an in-memory dataset must not leave the house. The reason.
    std::optional<std::string> held_back;
    bool written = false;  // apply_file(): the output exists, complete
};

// Why a file could not be de-identified.
class Error : public std::runtime_error {
public:
    enum class Kind {
        setup,          // the options: an unknown profile, a dictionary that does not load
        not_dicom,      // the input is not DICOM (a batch would skip it)
        unreadable,     // the system refused to read the input
        broken,         // DICOM that cannot be read to its end
        user_function,  // a Lua hook failed or ran over a limit
        pixels,         // burned-in text could not be cleaned
        output,         // the output exists, or cannot be written
    };
    Error(Kind kind, const std::string& message);
    ~Error() override;
    Error(const Error&) = default;
    Error& operator=(const Error&) = default;
    [[nodiscard]] Kind kind() const { return kind_; }

private:
    Kind kind_;
};

struct WriteOptions {
    bool overwrite = false;  // replace an existing output (never the input itself)
    bool sync = true;        // fsync the output before it gets its final name
};

// Applies a Recipe. Holds one thread's working state: its own Lua state
// (the scripts are loaded when it is made) and a memo of the recipe's
// patterns, both kept from one dataset to the next.
class Applier {
public:
    // Throws Error (user_function) when the Lua scripts do not load.
    explicit Applier(Recipe recipe);
    ~Applier();
    Applier(Applier&&) noexcept;
    Applier& operator=(Applier&&) noexcept;
    Applier(const Applier&) = delete;
    Applier& operator=(const Applier&) = delete;

    // De-identifies `file` in place: the dataset and its meta header.
    // Throws Error (user_function, pixels); when it throws, the file may be
    // half changed and must be dropped.
    Outcome apply(DcmFileFormat& file, const Variables& variables = {});
    // The same for a dataset without a meta header (from the network, say):
    // group 0002 rules find nothing.
    Outcome apply(DcmDataset& dataset, const Variables& variables = {});
    // Reads `input`, de-identifies it and writes `output` (Part 10) under a
    // temporary name that becomes `output` only once it is complete and
    // synced; `input` is never touched. Writes nothing when the outcome is
    // held back. Throws Error (any kind but setup).
    Outcome apply_file(const std::filesystem::path& input, const std::filesystem::path& output,
                       const Variables& variables = {}, const WriteOptions& write = {});

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace deid::api
