#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

#include "engine/compile.hpp"
#include "engine/profiles.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

enum class LintFormat { text, json };

struct LintOptions {
    std::vector<std::filesystem::path> recipes;
    bool with_default_recipe = false;  // lint the bundled deid.dicom too
    bool combined = false;             // read all recipes as one run (spec §7)
    LintFormat format = LintFormat::text;
    std::vector<std::filesystem::path> lua_scripts;  // check func: names against what they define
    // --profile: its recipes are checked as one run (with the given recipes
    // after them under --combined), and what the profile machinery writes
    // beyond them is listed.
    std::optional<Profile> profile;
    LuaLimits lua_limits;                            // for the scripts' top-level chunks
    FrontEndOptions front_end;                       // --ctp scripts (also in `recipes`), --ctp-keyed
};

// `deid lint`: compiles each recipe (or all of them as one run) and prints
// every diagnostic, compiler style or as JSON. Returns 1 if any error was
// found, else 0.
int run_lint(const LintOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err);

}  // namespace deid
