#include "ctp/translation_support.hpp"

#include <algorithm>
#include <cctype>

#include "stdlib/ctp/interpreter.hpp"
#include "support/strings.hpp"

namespace deid::ctp {

std::string hex4(std::uint16_t value) { return hex_digits(value, 4); }

namespace {

// The standard keyword that names exactly this tag, if any.
std::optional<std::string> keyword_of(std::uint16_t group, std::uint16_t element, const ElementDictionary& dictionary) {
    const auto entry = dictionary.find_tag(group, element);
    if (!entry || entry->keyword.empty() || entry->repeating || !entry->private_creator.empty()) {
        return std::nullopt;
    }
    const auto back = dictionary.find_keyword(entry->keyword);
    if (!back || back->group != group || back->element != element || back->repeating) {
        return std::nullopt;
    }
    return entry->keyword;
}

}  // namespace

ast::FieldExpr field_for_tag(std::uint16_t group, std::uint16_t element, const ElementDictionary& dictionary,
                             const SourceSpan& span) {
    if (auto keyword = keyword_of(group, element, dictionary)) {
        return ast::FieldExpr{span, *keyword, ast::NamedField{*keyword}};
    }
    return ast::FieldExpr{span, "(" + hex4(group) + "," + hex4(element) + ")", ast::TagField{group, element}};
}

ast::FieldExpr filter_field_for_tag(std::uint16_t group, std::uint16_t element, const ElementDictionary& dictionary,
                                    const SourceSpan& span) {
    if (auto keyword = keyword_of(group, element, dictionary)) {
        return ast::FieldExpr{span, *keyword, ast::NamedField{*keyword}};
    }
    return ast::FieldExpr{span, "0x" + hex4(group) + hex4(element), ast::TagField{group, element}};
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> element_named(std::string_view name,
                                                                     const ElementDictionary& dictionary) {
    const std::string trimmed(trim(name));
    if (const auto path = stdlib::ctp::parse_element_path(trimmed); path && !path->from_root && path->tags.size() == 1) {
        return std::pair{static_cast<std::uint16_t>(path->tags[0] >> 16U), static_cast<std::uint16_t>(path->tags[0] & 0xFFFFU)};
    }
    // CTP looks names up in dcm4che's dictionary, whose names are the keys
    // of CTP's dictionary.xml: the aliases of our dictionary, or keywords.
    if (const auto entry = dictionary.find_keyword(trimmed); entry && !entry->repeating) {
        return std::pair{entry->group, entry->element};
    }
    if (const auto alias = dictionary.find_alias(trimmed); alias && !alias->target.repeating) {
        return std::pair{alias->target.group, alias->target.element};
    }
    return std::nullopt;
}

bool is_plain_literal(std::string_view text) {
    if (text.empty() || trim(text) != text) {
        return false;
    }
    if (text.find_first_of("#\n\r\"\t") != std::string_view::npos || text.find("  ") != std::string_view::npos) {
        return false;
    }
    const std::string lowered = to_lower(text);
    if (lowered.starts_with("var:") || lowered.starts_with("func:") || lowered.starts_with("deid_func:")) {
        return false;
    }
    return !(text.size() >= 2 && text.front() == '\'' && text.back() == '\'');
}

ast::Value literal_value(const std::string& text, const SourceSpan& span) {
    return ast::Value{span, text, ast::LiteralValue{text}};
}

std::string option_token(const std::string& value) {
    const bool quote = value.empty() || value.find_first_of(" \t#") != std::string::npos ||
                       (value.size() >= 2 && value.front() == '\'' && value.back() == '\'');
    return quote ? "\"" + value + "\"" : value;
}

ast::Value builtin_value(const std::string& name, const std::vector<OptionText>& options, const SourceSpan& span) {
    ast::BuiltinValue builtin{name, span, {}};
    std::string text = "deid_func:" + name;
    for (const auto& option : options) {
        builtin.options.push_back(ast::BuiltinOption{option.span, option.key, option.value});
        text += " " + option.key + "=" + option_token(option.value);
    }
    return ast::Value{span, text, std::move(builtin)};
}

ast::HeaderAction header_action(ast::ActionKind kind, ast::FieldExpr field, std::optional<ast::Value> value,
                                const SourceSpan& span) {
    static constexpr std::string_view keywords[] = {"ADD", "BLANK", "JITTER", "KEEP", "REPLACE", "REMOVE"};
    ast::HeaderAction action;
    action.span = span;
    action.kind = kind;
    action.field = std::move(field);
    action.value = std::move(value);
    action.keyword = std::string(keywords[static_cast<int>(kind)]);
    return action;
}

}  // namespace deid::ctp
