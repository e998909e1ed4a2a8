#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"
#include "interpreter/resolve/resolver.hpp"

namespace deid {

// How files given as recipes are read: recipe text, or RSNA CTP scripts.
struct FrontEndOptions {
    // Files given with --ctp: read as CTP scripts whatever they look like
    // (an error when they are none). Other files are CTP scripts when their
    // content says so (ctp::detect_script_kind), recipes otherwise.
    std::vector<std::filesystem::path> ctp_scripts;
    bool ctp_keyed = false;  // --ctp-keyed
};

struct CompileRequest {
    std::vector<std::filesystem::path> recipes;  // combined in this order
    bool with_default_recipe = false;            // the bundled deid.dicom first
    ResolveOptions options;
    // Shipped recipes run after the default and before `recipes` (the
    // profiles: "deid.profile.basic", ...).
    std::vector<std::string> bundled = {};
    FrontEndOptions front_end = {};
};

// Reads one file given as a recipe: a recipe, or a CTP script compiled into
// the same AST (engine/compile.cpp).
ast::Recipe read_rules_file(const std::filesystem::path& path, const FrontEndOptions& front_end,
                            const ElementDictionary& dictionary, Diagnostics& diagnostics);

struct Compiled {
    plan::Plan plan;
    Diagnostics diagnostics;
};

// Recipe text to plan: parse every recipe, combine them (spec §7) and
// resolve the result. Never throws on bad recipes: everything is reported.
Compiled compile(const CompileRequest& request, const ElementDictionary& dictionary);

}  // namespace deid
