#include <algorithm>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "grammar/ctp/nesting.hpp"
#include "grammar/ctp/script.hpp"
#include "grammar/ctp/script_errors.hpp"
#include "grammar/ctp/script_grammar.hpp"

namespace deid::ctp {
namespace {

namespace pegtl = tao::pegtl;
namespace parse_tree = tao::pegtl::parse_tree;

template <typename Rule>
using selector = parse_tree::selector<
    Rule,
    // Every node keeps its content: removing it would drop its end position.
    parse_tree::store_content::on<sr::escape, sr::text, sr::clause_text, sr::argument, sr::function_name,
                                  sr::two_clause_name, sr::one_clause_name, sr::call, sr::clause, sr::literal_braces>>;

using Node = parse_tree::node;

TextRange range_of(const Node& node, std::size_t base) {
    return {node.begin().byte - base, node.end().byte - base};
}

// Java's String.trim: every character up to ' '.
std::string java_trim(std::string_view text) {
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') {
        text.remove_suffix(1);
    }
    return std::string(text);
}

// FnCall.getArg: the escape character is dropped and the next kept as is.
std::string without_escapes(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\') {
            if (++i == text.size()) {
                break;
            }
        }
        out += text[i];
    }
    return out;
}

class TreeReader {
public:
    explicit TreeReader(std::size_t base) : base_(base) {}

    // The pieces of a script or clause: every child in order.
    Script script(const Node& parent, TextRange range) const {
        Script script;
        script.range = range;
        for (const auto& child : parent.children) {
            add_piece(*child, script.pieces);
        }
        return script;
    }

private:
    void add_text(std::string text, TextRange range, std::vector<Piece>& pieces) const {
        if (!pieces.empty()) {
            if (auto* last = std::get_if<Text>(&pieces.back()); last != nullptr && last->range.end == range.begin) {
                last->text += text;
                last->range.end = range.end;
                return;
            }
        }
        pieces.push_back(Text{std::move(text), range});
    }

    void add_piece(const Node& node, std::vector<Piece>& pieces) const {
        const TextRange range = range_of(node, base_);
        if (node.is_type<sr::escape>()) {
            add_text(without_escapes(node.string_view()), range, pieces);
        } else if (node.is_type<sr::text>() || node.is_type<sr::clause_text>()) {
            add_text(node.string(), range, pieces);
        } else if (node.is_type<sr::literal_braces>()) {
            add_text("{", {range.begin, range.begin + 1}, pieces);
            for (const auto& child : node.children) {
                add_piece(*child, pieces);
            }
            add_text("}", {range.end - 1, range.end}, pieces);
        } else if (node.is_type<sr::call>()) {
            pieces.push_back(call(node, range));
        }
    }

    Call call(const Node& node, TextRange range) const {
        Call call;
        call.range = range;
        std::vector<Argument> arguments;
        for (const auto& child : node.children) {
            if (child->is_type<sr::function_name>() || child->is_type<sr::two_clause_name>() ||
                child->is_type<sr::one_clause_name>()) {
                call.name = child->string();
                call.name_range = range_of(*child, base_);
            } else if (child->is_type<sr::argument>()) {
                arguments.push_back({java_trim(without_escapes(child->string_view())), range_of(*child, base_)});
            } else if (child->is_type<sr::clause>()) {
                const TextRange clause_range = range_of(*child, base_);
                call.clauses.push_back(script(*child, {clause_range.begin + 1, clause_range.end - 1}));
            }
        }
        // FnCall stops reading arguments at a ')' seen after the blanks that
        // follow a comma: an empty last argument is no argument.
        if (!arguments.empty() && arguments.back().text.empty()) {
            arguments.pop_back();
        }
        call.arguments = std::move(arguments);
        return call;
    }

    std::size_t base_;
};

}  // namespace

std::size_t clauses_of(std::string_view function) {
    if (function == "if" || function == "select") {
        return 2;
    }
    return function == "append" ? 1 : 0;
}

ParsedScript parse_script(std::string_view text) {
    ParsedScript parsed;
    if (const auto too_deep = nesting_too_deep(text)) {
        parsed.errors.push_back({"brackets, parentheses or braces nested more than " +
                                     std::to_string(kDeepestNesting) + " deep",
                                 {*too_deep, *too_deep + 1}});
        return parsed;
    }
    pegtl::memory_input input(text.data(), text.size(), "script");
    try {
        const auto root = parse_tree::parse<sr::script, selector, pegtl::nothing, script_control>(input);
        if (root) {
            parsed.script = TreeReader(0).script(*root, {0, text.size()});
        }
    } catch (const pegtl::parse_error& error) {
        const auto& position = error.positions().front();
        parsed.errors.push_back({std::string(error.message()), {position.byte, std::min(position.byte + 1, text.size())}});
    }
    return parsed;
}

}  // namespace deid::ctp
