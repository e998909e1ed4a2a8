#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

#include "engine/batch_options.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

enum class InspectFormat { table, json, csv };

// Without recipes, the bundled default screens.
struct InspectOptions : BatchOptions {
    InspectFormat format = InspectFormat::table;
    std::vector<std::filesystem::path> lua_scripts;  // the recipes' func: names are checked against them
    LuaLimits lua_limits;                            // for the scripts' top-level chunks
    // --fail-on GROUP...: a file flagged by a LABEL of one of these groups
    // makes the exit status kExitSetAside (for CI).
    std::vector<std::string> fail_on;
};

// `deid inspect`: screens every DICOM input with the recipes' %filter groups
// and reports, per file, whether it is flagged and every LABEL that matched
// with its group, reason and regions; then a summary. Returns 0, 1 when some
// file failed, 2 for a usage or recipe error, 3 when a file was flagged by a
// group of --fail-on.
int run_inspect(const InspectOptions& options, const ElementDictionary& dictionary, std::ostream& out,
                std::ostream& err);

}  // namespace deid
