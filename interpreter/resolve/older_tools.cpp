#include "interpreter/resolve/older_tools.hpp"

#include <string>

#include "support/strings.hpp"

namespace deid {
namespace {

std::string_view group_prefix(ast::GroupKind kind) { return kind == ast::GroupKind::fields ? "fields:" : "values:"; }

// The established tool takes the rest of an action line as its value and
// cuts it at '#', keeping the blanks before: REMOVE gets a value (an empty
// filter: it removes nothing), and a var:/func: name gets a trailing blank
// (no such variable or function: the action does nothing). A literal only
// gains trailing blanks, which DICOM ignores; BLANK and KEEP ignore the rest.
void note_trailing_comment(const ast::HeaderAction& action, const std::string& keyword, Diagnostics& diagnostics) {
    const std::string what = "'" + action.comment->text + "' is a comment here; the established tool ";
    const std::string where = "and there " + keyword + " " + action.field.text;
    if (action.kind == ast::ActionKind::remove) {
        diagnostics.note(action.comment->span, "trailing-comment",
                         what + "reads it as REMOVE's value, " + where + " removes nothing");
        return;
    }
    if (!action.value || action.value->span.end_column >= action.comment->span.column) {
        return;
    }
    std::string name;
    if (const auto* variable = std::get_if<ast::VariableValue>(&action.value->kind)) {
        name = "variable '" + variable->name + " '";
    } else if (const auto* function = std::get_if<ast::FunctionValue>(&action.value->kind)) {
        name = "function '" + function->name + " '";
    } else {
        return;
    }
    diagnostics.note(action.comment->span, "trailing-comment",
                     what + "keeps the blank before it in the value, looks for " + name + ", finds none, " + where +
                         " does nothing");
}

}  // namespace

void note_older_tool_readings(const ast::CombinedRecipe& recipe, Diagnostics& diagnostics) {
    for (const auto& action : recipe.actions) {
        const std::string upper = to_upper(action.keyword);
        if (action.keyword != upper) {
            diagnostics.note(action.span, "lowercase-action",
                             "'" + action.keyword + "' acts here as " + upper +
                                 "; the established tool ignores an action not written in capitals");
        }
        if (action.comment) {
            note_trailing_comment(action, upper, diagnostics);
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
