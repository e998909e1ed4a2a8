#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/batch_options.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

// The recipes are only linted, like every command that takes recipes.
struct GetOptions : BatchOptions {
    std::optional<std::filesystem::path> output;  // JSON file; standard output when unset
    std::vector<std::filesystem::path> lua_scripts;  // checked to load, and the recipes' func: names against them
    LuaLimits lua_limits;                            // for the scripts' top-level chunks
};

// `deid get`: every element of every DICOM input, protected ones excepted,
// as {"<file>": {"<path id>": {"name", "vr", "value" | "length"}}}.
// Returns 0, 1 when some file failed, 2 for a usage or recipe error.
int run_get(const GetOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err);

}  // namespace deid
