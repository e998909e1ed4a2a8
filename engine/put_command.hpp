#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "engine/batch_options.hpp"
#include "engine/profiles.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/lua/lua_hooks.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

// --shard K/N: this run takes shard K (1..N) of N.
struct Shard {
    std::size_t index = 1;
    std::size_t count = 1;
};

struct PutOptions : BatchOptions {
    std::filesystem::path output;
    std::optional<std::filesystem::path> variables;  // JSON object applied to every file
    // `deid get` output, possibly edited: each file's entry (element values
    // by path id, and keys the user added) is that file's variables, over
    // the global ones (spec §3.1).
    std::optional<std::filesystem::path> identifiers;
    bool remove_private = false;
    bool strip_sequences = false;
    // Also clean burned-in pixels of flagged files, the filters read on the
    // original header (before any action), as the established tool does.
    // Flagged files without regions go to OUTDIR/quarantine/ unless skipped.
    bool clean_pixels = false;
    bool skip_flagged = false;
    bool keep_protected_list = true;  // --no-default-skip clears it
    bool overwrite = false;
    std::optional<std::filesystem::path> explain;  // print what happened to this input file
    std::vector<std::filesystem::path> lua_scripts;  // define the func:NAME functions
    std::vector<std::filesystem::path> lua_data;     // the only files deid.csv may read
    LuaLimits lua_limits;
    bool resume = false;                  // skip inputs whose output is complete
    std::optional<Shard> shard;
    std::optional<std::filesystem::path> report;  // one JSON line per input, appended
    bool sync = true;  // fsync every output before it gets its final name (--no-fsync clears it)
    FileSystem* file_system = nullptr;  // where outputs go; tests inject failures (default: the disk)
    // --profile: the PS3.15 profile's recipes run before `recipes`; the
    // method elements are written and burned-in annotation is held back.
    std::optional<Profile> profile;
    // --key-file: the site's pseudonym key (engine/pseudonym_key.hpp).
    // Without it, runs that need a key (profile mode, keyed built-ins) use
    // the per-user key, created on first use; other recipe runs have none.
    std::optional<std::filesystem::path> key_file;
    // --layout mirror|uid|TEMPLATE (engine/output_layout.hpp); without it,
    // uid in profile mode and mirror for recipes.
    std::optional<std::string> layout;
    // --mapping: the crosswalk (engine/crosswalk.hpp), never inside OUTDIR.
    std::optional<std::filesystem::path> mapping;
};

// `deid put`: writes de-identified copies of the inputs under `output`, at
// the paths the layout gives. Without any recipe, default or profile it
// runs the basic profile, and says so once: the safe path is the default. Returns 0 when every DICOM input was
// written, 1 when some file failed, 2 for a usage or recipe error.
int run_put(const PutOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err);

}  // namespace deid
