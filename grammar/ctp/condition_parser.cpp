#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "grammar/ctp/condition.hpp"
#include "grammar/ctp/condition_errors.hpp"
#include "grammar/ctp/nesting.hpp"

namespace deid::ctp {
namespace {

namespace pegtl = tao::pegtl;
namespace parse_tree = tao::pegtl::parse_tree;

template <typename Rule>
using selector = parse_tree::selector<
    Rule,
    // Every node keeps its content: removing it would drop its end position.
    parse_tree::store_content::on<cr::element, cr::method, cr::value_text, cr::constant_true, cr::constant_false,
                                  cr::comparison, cr::negation, cr::conjunction, cr::disjunction>>;

using Node = parse_tree::node;

TextRange range_of(const Node& node) { return {node.begin().byte, node.end().byte}; }

// A conjunction or disjunction of one operand is that operand.
Condition read(const Node& node) {
    Condition condition;
    condition.range = range_of(node);
    if (node.is_type<cr::constant_true>() || node.is_type<cr::constant_false>()) {
        condition.kind = Condition::Kind::constant;
        condition.constant = node.is_type<cr::constant_true>();
    } else if (node.is_type<cr::comparison>()) {
        condition.kind = Condition::Kind::comparison;
        for (const auto& child : node.children) {
            if (child->is_type<cr::element>()) {
                condition.comparison.element = child->string();
                condition.comparison.element_range = range_of(*child);
            } else if (child->is_type<cr::method>()) {
                condition.comparison.method = child->string();
                condition.comparison.method_range = range_of(*child);
            } else if (child->is_type<cr::value_text>()) {
                condition.comparison.value = child->string();
                condition.comparison.value_range = range_of(*child);
            }
        }
    } else if (node.is_type<cr::negation>()) {
        condition.kind = Condition::Kind::negation;
        condition.operands.push_back(read(*node.children.front()));
    } else {
        if (node.children.size() == 1) {
            return read(*node.children.front());
        }
        condition.kind = node.is_type<cr::conjunction>() ? Condition::Kind::all_of : Condition::Kind::any_of;
        for (const auto& child : node.children) {
            condition.operands.push_back(read(*child));
        }
    }
    return condition;
}

}  // namespace

ParsedCondition parse_condition(std::string_view text) {
    ParsedCondition parsed;
    if (const auto too_deep = nesting_too_deep(text)) {
        parsed.errors.push_back({"parentheses nested more than " + std::to_string(kDeepestNesting) + " deep",
                                 {*too_deep, *too_deep + 1}});
        return parsed;
    }
    pegtl::memory_input input(text.data(), text.size(), "condition");
    try {
        const auto root = parse_tree::parse<cr::condition, selector, pegtl::nothing, condition_control>(input);
        if (root && !root->children.empty()) {
            parsed.condition = read(*root->children.front());
        }
    } catch (const pegtl::parse_error& error) {
        const auto& position = error.positions().front();
        parsed.errors.push_back({std::string(error.message()), {position.byte, std::min(position.byte + 1, text.size())}});
    }
    return parsed;
}

}  // namespace deid::ctp
