#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <ostream>
#include <vector>

#include "engine/compile.hpp"
#include "engine/profiles.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

enum class LintFormat { text, json, sarif, github };

struct LintOptions {
    // Recipe files; a folder stands for the recipe files and CTP scripts in
    // it and below (is_recipe_file_name, is_ctp_script_name), "-" for the
    // recipe (or CTP script) on `standard_input`.
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
    bool warnings_are_errors = false;                // --werror
    std::optional<std::size_t> max_warnings;         // --max-warnings N: more fail the lint
    std::istream* standard_input = nullptr;          // read for the recipe "-"
    FrontEndOptions front_end;                       // --ctp scripts (also in `recipes`), --ctp-keyed
};

// Which files in a folder given to lint are recipes: names that start with
// "deid." (deid.dicom, deid.dicom.xray.chest), end in ".deid" or ".dicom",
// or hold "deid.dicom" (the established tool's examples), hidden files and
// folders excepted.
bool is_recipe_file_name(const std::string& name);
// And which are RSNA CTP scripts, read as such: names ending in ".script"
// (CTP's own: DicomAnonymizer.script, DicomPixelAnonymizer.script), hidden
// files excepted.
bool is_ctp_script_name(const std::string& name);

// `deid lint`: compiles each recipe (or all of them as one run) and prints
// every diagnostic: compiler style, JSON, SARIF 2.1.0 or GitHub workflow
// annotations. Returns 1 if any error was found (or any warning with
// --werror, or more than --max-warnings), else 0.
int run_lint(const LintOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err);

}  // namespace deid
