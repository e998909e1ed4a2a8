#include "interpreter/resolve/older_tools.hpp"

#include <string>

#include "support/strings.hpp"

namespace deid {
namespace {

std::string_view group_prefix(ast::GroupKind kind) { return kind == ast::GroupKind::fields ? "fields:" : "values:"; }

}  // namespace

void note_older_tool_readings(const ast::CombinedRecipe& recipe, Diagnostics& diagnostics) {
    for (const auto& action : recipe.actions) {
        const std::string upper = to_upper(action.keyword);
        if (action.keyword != upper) {
            diagnostics.note(action.span, "lowercase-action",
                             "'" + action.keyword + "' acts here as " + upper +
                                 "; the established tool ignores an action not written in capitals");
        }
        // The established tool cuts the value of ADD, REPLACE and JITTER at
        // '#' and ignores what follows BLANK and KEEP, but takes the rest of a
        // REMOVE line as REMOVE's value: the comment becomes an empty filter.
        if (action.comment && action.kind == ast::ActionKind::remove) {
            diagnostics.note(action.comment->span, "trailing-comment",
                             "'" + action.comment->text + "' is a comment here; the established tool reads it as " +
                                 "REMOVE's value, and there " + upper + " " + action.field.text + " removes nothing");
        }
        if (action.kind == ast::ActionKind::keep) {
            if (const auto* group = std::get_if<ast::GroupField>(&action.field.selector)) {
                diagnostics.note(action.field.span, "keep-group",
                                 "KEEP " + std::string(group_prefix(group->kind)) + group->name +
                                     " protects the group's elements here; the established tool protects nothing "
                                     "with it");
            }
        }
    }
}

}  // namespace deid
