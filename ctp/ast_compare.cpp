#include "ctp/ast_compare.hpp"

namespace deid::ctp {
namespace {

std::string selector_kind(const ast::FieldSelector& selector) {
    return std::visit(
        [](const auto& form) -> std::string {
            using Form = std::decay_t<decltype(form)>;
            if constexpr (std::is_same_v<Form, ast::NamedField>) return "name " + form.name;
            else if constexpr (std::is_same_v<Form, ast::TagField>) return "tag " + std::to_string(form.group) + "," + std::to_string(form.element);
            else if constexpr (std::is_same_v<Form, ast::PatternField>) return "pattern " + std::to_string(static_cast<int>(form.kind)) + " " + form.pattern;
            else if constexpr (std::is_same_v<Form, ast::PrivateCreatorField>) return "private " + form.creator;
            else if constexpr (std::is_same_v<Form, ast::AllFields>) return "all";
            else if constexpr (std::is_same_v<Form, ast::SelectField>) return "select " + form.argument;
            else return "group " + form.name;
        },
        selector);
}

std::string value_meaning(const ast::Value& value) {
    return std::visit(
        [&](const auto& kind) -> std::string {
            using Kind = std::decay_t<decltype(kind)>;
            if constexpr (std::is_same_v<Kind, ast::LiteralValue>) return "literal " + kind.text;
            else if constexpr (std::is_same_v<Kind, ast::VariableValue>) return "var " + kind.name;
            else if constexpr (std::is_same_v<Kind, ast::FunctionValue>) return "func " + kind.name;
            else {
                std::string out = "builtin " + kind.name;
                for (const auto& option : kind.options) {
                    out += " [" + option.key + "=" + option.value + "]";
                }
                return out;
            }
        },
        value.kind);
}

std::string action_meaning(const ast::HeaderAction& action) {
    return std::to_string(static_cast<int>(action.kind)) + " " + selector_kind(action.field.selector) + " " + action.field.text +
           (action.value ? " " + value_meaning(*action.value) : std::string());
}

std::string label_meaning(const ast::Label& label) {
    std::string out = "LABEL " + label.name;
    for (const auto& line : label.lines) {
        out += " / line " + std::to_string(static_cast<int>(line.connective));
        for (const auto& criterion : line.criteria) {
            out += " (" + std::to_string(static_cast<int>(criterion.connective)) + " " +
                   std::to_string(static_cast<int>(criterion.test)) + " " + selector_kind(criterion.field.selector) + " " +
                   criterion.value.value_or("<none>") + ")";
        }
    }
    for (const auto& coordinates : label.coordinates) {
        out += " / region " + std::to_string(static_cast<int>(coordinates.mask)) + (coordinates.ctp ? " ctp " : " ") + coordinates.text;
        if (const auto* rect = std::get_if<ast::RegionRect>(&coordinates.region)) {
            for (const auto number : rect->numbers) {
                out += " " + std::to_string(number);
            }
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> difference(const ast::CombinedRecipe& a, const ast::CombinedRecipe& b) {
    if (a.actions.size() != b.actions.size()) {
        return std::to_string(a.actions.size()) + " actions against " + std::to_string(b.actions.size());
    }
    for (std::size_t i = 0; i < a.actions.size(); ++i) {
        const std::string left = action_meaning(a.actions[i]);
        const std::string right = action_meaning(b.actions[i]);
        if (left != right) {
            return "action " + std::to_string(i + 1) + ": '" + left + "' against '" + right + "'";
        }
    }
    if (a.filters.size() != b.filters.size()) {
        return std::to_string(a.filters.size()) + " filter groups against " + std::to_string(b.filters.size());
    }
    for (std::size_t g = 0; g < a.filters.size(); ++g) {
        const auto& left = a.filters[g];
        const auto& right = b.filters[g];
        if (left.name != right.name || left.labels.size() != right.labels.size()) {
            return "filter group " + left.name + " against " + right.name;
        }
        for (std::size_t l = 0; l < left.labels.size(); ++l) {
            const std::string x = label_meaning(left.labels[l]);
            const std::string y = label_meaning(right.labels[l]);
            if (x != y) {
                return "'" + x + "' against '" + y + "'";
            }
        }
    }
    return std::nullopt;
}

}  // namespace deid::ctp
