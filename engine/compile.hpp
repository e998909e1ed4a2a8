#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"
#include "interpreter/resolve/resolver.hpp"

namespace deid {

// How the rules given are read: recipe text, or RSNA CTP scripts.
struct FrontEndOptions {
    // Files given with --ctp ("-" for standard input): read as CTP scripts
    // whatever they look like (an error when they are none). Other files
    // and texts are CTP scripts when their content says so
    // (ctp::detect_script_kind), recipes otherwise.
    std::vector<std::filesystem::path> ctp_scripts;
    bool ctp_keyed = false;  // --ctp-keyed
};

// Recipe text held in memory (embedders), named for diagnostics: a recipe,
// or an RSNA CTP script (by its content, or `ctp_script`).
struct RecipeText {
    std::string name;
    std::string text;
    bool ctp_script = false;
};

struct CompileRequest {
    std::vector<std::filesystem::path> recipes;  // combined in this order
    bool with_default_recipe = false;            // the bundled deid.dicom first
    ResolveOptions options;
    // Shipped recipes run after the default and before `recipes` (the
    // profiles: "deid.profile.basic", ...).
    std::vector<std::string> bundled = {};
    // The text of the recipe named "-" (standard input), if one is.
    std::optional<std::string> standard_input = {};
    std::vector<RecipeText> texts = {};  // after `recipes`
    FrontEndOptions front_end = {};
};

struct Compiled {
    plan::Plan plan;
    Diagnostics diagnostics;
};

// Recipe text to plan: parse every recipe, combine them (spec §7) and
// resolve the result. Never throws on bad recipes: everything is reported.
Compiled compile(const CompileRequest& request, const ElementDictionary& dictionary);

}  // namespace deid
