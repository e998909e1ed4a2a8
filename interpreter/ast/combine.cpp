#include "interpreter/ast/combine.hpp"

#include <algorithm>

namespace deid::ast {
namespace {

template <typename Group>
Group& group_named(std::vector<Group>& groups, const Group& like) {
    auto found = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == like.name; });
    if (found != groups.end()) {
        return *found;
    }
    Group fresh;
    fresh.span = like.span;
    fresh.name = like.name;
    return groups.emplace_back(std::move(fresh));
}

void append(CombinedRecipe& into, const HeaderSection& section) {
    into.actions.insert(into.actions.end(), section.actions.begin(), section.actions.end());
}
void append(CombinedRecipe& into, const FilterSection& section) {
    auto& labels = group_named(into.filters, section).labels;
    labels.insert(labels.end(), section.labels.begin(), section.labels.end());
}
void append(CombinedRecipe& into, const FieldsSection& section) {
    auto& entries = group_named(into.fields, section).entries;
    entries.insert(entries.end(), section.entries.begin(), section.entries.end());
}
void append(CombinedRecipe& into, const ValuesSection& section) {
    auto& entries = group_named(into.values, section).entries;
    entries.insert(entries.end(), section.entries.begin(), section.entries.end());
}
void append(CombinedRecipe& into, const LabelsSection& section) {
    into.labels.insert(into.labels.end(), section.entries.begin(), section.entries.end());
}

}  // namespace

CombinedRecipe combine(const std::vector<Recipe>& recipes, Diagnostics& diagnostics) {
    CombinedRecipe combined;
    for (const Recipe& recipe : recipes) {
        combined.files.push_back(recipe.file);
        if (recipe.format) {
            if (!combined.format) {
                combined.format = recipe.format;
            } else if (combined.format->format != recipe.format->format) {
                diagnostics.error(recipe.format->span, "format-mismatch",
                                  "FORMAT " + recipe.format->format + " cannot be combined with FORMAT " +
                                      combined.format->format + " of " + combined.format->span.file);
            }
        }
        for (const Section& section : recipe.sections) {
            std::visit([&](const auto& s) { append(combined, s); }, section);
        }
    }
    return combined;
}

}  // namespace deid::ast
