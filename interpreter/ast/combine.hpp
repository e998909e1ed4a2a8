#pragma once

#include <optional>
#include <string>
#include <vector>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::ast {

// Several recipe files read as one (spec §7): header actions concatenated in
// order, filter groups of one name concatenated (earlier recipe first),
// %fields/%values groups merged by name, %labels metadata concatenated.
// Groups keep the order in which their name first appeared.
struct CombinedRecipe {
    std::vector<std::string> files;
    std::optional<FormatDecl> format;
    std::vector<HeaderAction> actions;
    std::vector<FilterSection> filters;
    std::vector<FieldsSection> fields;
    std::vector<ValuesSection> values;
    std::vector<MetadataEntry> labels;
};

// Reports a recipe whose FORMAT differs from the first one's.
CombinedRecipe combine(const std::vector<Recipe>& recipes, Diagnostics& diagnostics);

}  // namespace deid::ast
