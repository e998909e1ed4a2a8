#include "interpreter/resolve/resolver.hpp"

#include "interpreter/resolve/action_analysis.hpp"
#include "interpreter/resolve/field_binding.hpp"
#include "interpreter/resolve/filter_binding.hpp"
#include "interpreter/resolve/group_order.hpp"
#include "interpreter/resolve/older_tools.hpp"
#include "interpreter/resolve/value_binding.hpp"

namespace deid {
namespace {

std::vector<plan::FieldsGroup> bind_fields_groups(const ast::CombinedRecipe& recipe, FieldBinder& binder) {
    std::vector<plan::FieldsGroup> groups;
    for (const auto& section : recipe.fields) {
        plan::FieldsGroup group{section.name, {}};
        for (const auto& entry : section.entries) {
            if (auto field = binder.bind(entry.field)) {
                group.fields.push_back(std::move(*field));
            }
        }
        groups.push_back(std::move(group));
    }
    return groups;
}

std::vector<plan::ValuesGroup> bind_values_groups(const ast::CombinedRecipe& recipe, FieldBinder& binder,
                                                  Diagnostics& diagnostics) {
    std::vector<plan::ValuesGroup> groups;
    for (const auto& section : recipe.values) {
        plan::ValuesGroup group{section.name, {}};
        for (const auto& entry : section.entries) {
            auto field = binder.bind(entry.field);
            std::optional<plan::Split> split;
            if (entry.split) {
                if (entry.split->legacy_splitval) {
                    diagnostics.note(entry.split->span, "legacy-split-option",
                                     "splitval= is read as by= here; the established tool ignores splitval= and "
                                     "splits on spaces");
                }
                if (entry.split->separator.empty()) {
                    diagnostics.error(entry.split->span, "bad-split-option", "SPLIT by= needs a separator");
                    continue;
                }
                split = plan::Split{entry.split->separator, static_cast<std::size_t>(entry.split->minimum_length)};
            }
            if (field) {
                group.sources.push_back({std::move(*field), std::move(split)});
            }
        }
        groups.push_back(std::move(group));
    }
    return groups;
}

std::vector<plan::HeaderAction> bind_actions(const ast::CombinedRecipe& recipe, FieldBinder& binder,
                                             const ResolveOptions& options, Diagnostics& diagnostics) {
    std::vector<plan::HeaderAction> actions;
    for (const auto& action : recipe.actions) {
        auto field = binder.bind(action.field);
        auto value = bind_value(action, binder.entry_of(action.field), options,
                                [&binder](const std::string& name, const SourceSpan& span) { return binder.element_tag(name, span); },
                                diagnostics);
        const bool value_bound = !action.value || value.has_value();
        if (field && value_bound) {
            actions.push_back(plan::HeaderAction{action.kind, std::move(*field), std::move(value),
                                                 action.value ? action.value->text : std::string{}, action.span});
        }
    }
    return actions;
}

}  // namespace

plan::Plan resolve(const ast::CombinedRecipe& recipe, const ElementDictionary& dictionary,
                   const ResolveOptions& options, Diagnostics& diagnostics) {
    FieldBinder binder(dictionary, recipe, diagnostics);
    plan::Plan plan;
    plan.files = recipe.files;
    plan.labels = recipe.labels;
    // Groups first: header actions refer to them by index.
    plan.fields = bind_fields_groups(recipe, binder);
    plan.values = bind_values_groups(recipe, binder, diagnostics);
    order_groups(plan, diagnostics);
    plan.actions = bind_actions(recipe, binder, options, diagnostics);
    plan.filters = bind_filters(recipe, binder, diagnostics);
    analyse_actions(plan, dictionary, diagnostics);
    note_older_tool_readings(recipe, diagnostics);
    return plan;
}

}  // namespace deid
