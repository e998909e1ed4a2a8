#pragma once

// What each grammar rule contributes to the AST. Every action is a thin call
// into RecipeBuilder with the matched text and its span.

#include <charconv>

#include <tao/pegtl.hpp>

#include "grammar/recipe_builder.hpp"
#include "grammar/recipe_grammar.hpp"
#include "support/strings.hpp"

namespace deid::grammar {

namespace r = rules;

template <typename ActionInput>
SourceSpan span_of(const ActionInput& in, const RecipeBuilder& builder) {
    const auto where = in.position();
    return builder.span(static_cast<std::uint32_t>(where.line), static_cast<std::uint32_t>(where.column), in.size());
}

// Span of `length` bytes starting `offset` bytes into the match.
template <typename ActionInput>
SourceSpan span_within(const ActionInput& in, const RecipeBuilder& builder, std::size_t offset, std::size_t length) {
    const auto where = in.position();
    return builder.span(static_cast<std::uint32_t>(where.line), static_cast<std::uint32_t>(where.column + offset),
                        length);
}

inline std::uint16_t parse_hex(std::string_view digits) {
    std::uint16_t value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    return value;
}

template <typename Rule>
struct action : tao::pegtl::nothing<Rule> {};

// Calls `Method(text, span)` on the builder.
template <void (RecipeBuilder::*Method)(std::string_view, const SourceSpan&)>
struct text_and_span {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        (builder.*Method)(in.string_view(), span_of(in, builder));
    }
};

// Calls `Method(text)` on the builder.
template <void (RecipeBuilder::*Method)(std::string_view)>
struct text_only {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        (builder.*Method)(in.string_view());
    }
};

// Calls `Method(span)` on the builder.
template <void (RecipeBuilder::*Method)(const SourceSpan&)>
struct span_only {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        (builder.*Method)(span_of(in, builder));
    }
};

// ------------------------------------------------------------ structure --

template <> struct action<r::kw_format> {
    template <typename ActionInput>
    static void apply(const ActionInput&, RecipeBuilder& builder) {
        builder.format_line_seen();
    }
};
template <> struct action<r::format_name> : text_and_span<&RecipeBuilder::format> {};
template <> struct action<r::section_name> : text_only<&RecipeBuilder::name_section> {};
template <> struct action<r::comment> : text_and_span<&RecipeBuilder::comment> {};
template <> struct action<r::unknown_section_line> : text_and_span<&RecipeBuilder::unknown_section> {};
template <> struct action<r::unknown_statement> : text_and_span<&RecipeBuilder::unknown_statement> {};
template <> struct action<r::stray_text> : text_and_span<&RecipeBuilder::stray_text> {};

template <RecipeBuilder::SectionKind Kind>
struct open_section {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        // The span starts at the '%' just before the keyword.
        auto span = span_of(in, builder);
        span.column -= 1;
        builder.open_section(Kind, span);
    }
};
template <> struct action<r::header_directive> : open_section<RecipeBuilder::SectionKind::header> {};
template <> struct action<r::filter_directive> : open_section<RecipeBuilder::SectionKind::filter> {};
template <> struct action<r::fields_directive> : open_section<RecipeBuilder::SectionKind::fields> {};
template <> struct action<r::values_directive> : open_section<RecipeBuilder::SectionKind::values> {};
template <> struct action<r::labels_directive> : open_section<RecipeBuilder::SectionKind::labels> {};

// ---------------------------------------------------- field expressions --

template <> struct action<r::paren_field> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        if (text.find("__") != std::string_view::npos) {
            builder.selector(ast::NamedField{std::string(text)});  // a path id
        } else if (const auto quote = text.find('"'); quote != std::string_view::npos) {
            const auto closing = text.find('"', quote + 1);
            builder.selector(ast::PrivateCreatorField{parse_hex(text.substr(1, 4)),
                                                      std::string(text.substr(quote + 1, closing - quote - 1)),
                                                      static_cast<std::uint8_t>(parse_hex(text.substr(closing + 2, 2)))});
        } else {
            builder.selector(ast::TagField{parse_hex(text.substr(1, 4)), parse_hex(text.substr(6, 4))});
        }
    }
};

template <> struct action<r::bare_private_field> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto closing = text.rfind('"');
        builder.selector(ast::PrivateCreatorField{parse_hex(text.substr(0, 4)),
                                                  std::string(text.substr(6, closing - 6)),
                                                  static_cast<std::uint8_t>(parse_hex(text.substr(closing + 2, 2)))});
    }
};

template <> struct action<r::hex_tag_field> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        builder.selector(ast::TagField{parse_hex(text.substr(0, 4)), parse_hex(text.substr(4, 4))});
    }
};

template <> struct action<r::hex_filter_tag> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        builder.selector(ast::TagField{parse_hex(text.substr(2, 4)), parse_hex(text.substr(6, 4))});
    }
};

template <> struct action<r::pattern_expander> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto colon = text.find(':');
        const std::string spelling = to_lower(text.substr(0, colon));
        ast::PatternKind kind = ast::PatternKind::except;
        if (spelling == "startswith") {
            kind = ast::PatternKind::startswith;
        } else if (spelling == "endswith") {
            kind = ast::PatternKind::endswith;
        } else if (spelling == "contains") {
            kind = ast::PatternKind::contains;
        }
        const std::string_view pattern = text.substr(colon + 1);
        builder.selector(ast::PatternField{kind, spelling, std::string(pattern),
                                           span_within(in, builder, colon + 1, pattern.size())});
    }
};

template <> struct action<r::select_expander> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto colon = text.rfind(':');
        const bool by_group = iequals(text.substr(7, 5), "group");
        const std::string_view argument = text.substr(colon + 1);
        builder.selector(ast::SelectField{by_group ? ast::SelectBy::group : ast::SelectBy::vr, std::string(argument),
                                          span_within(in, builder, colon + 1, argument.size())});
    }
};

template <ast::GroupKind Kind>
struct group_expander {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto colon = text.find(':');
        const std::string_view name = text.substr(colon + 1);
        builder.selector(ast::GroupField{Kind, std::string(name), span_within(in, builder, colon + 1, name.size())});
    }
};
template <> struct action<r::fields_group_expander> : group_expander<ast::GroupKind::fields> {};
template <> struct action<r::values_group_expander> : group_expander<ast::GroupKind::values> {};

template <> struct action<r::unknown_expander> : text_and_span<&RecipeBuilder::unknown_expander> {};

template <> struct action<r::named_field> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        if (iequals(text, "all") || iequals(text, "allfields")) {
            builder.selector(ast::AllFields{std::string(text)});
        } else {
            builder.selector(ast::NamedField{std::string(text)});
        }
    }
};

template <> struct action<r::field_expr_body> : text_and_span<&RecipeBuilder::complete_field> {};
template <> struct action<r::filter_field_body> : text_and_span<&RecipeBuilder::complete_field> {};

// --------------------------------------------------------------- values --

template <> struct action<r::literal_value> : text_only<&RecipeBuilder::literal_value> {};
template <> struct action<r::variable_name> : text_only<&RecipeBuilder::variable_value> {};
template <> struct action<r::function_name> : text_only<&RecipeBuilder::function_value> {};
template <> struct action<r::builtin_name> : text_and_span<&RecipeBuilder::builtin_name> {};
template <> struct action<r::builtin_option> : text_and_span<&RecipeBuilder::builtin_option> {};
template <> struct action<r::action_value> : text_and_span<&RecipeBuilder::complete_value> {};

// -------------------------------------------------------------- %header --

template <ast::ActionKind Kind>
struct header_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto keyword_length = std::find_if(text.begin(), text.end(), [](char c) { return !is_word_char(c); }) -
                                    text.begin();
        builder.header_action(Kind, text.substr(0, static_cast<std::size_t>(keyword_length)),
                              span_within(in, builder, 0, static_cast<std::size_t>(keyword_length)));
    }
};
template <> struct action<r::add_action> : header_action<ast::ActionKind::add> {};
template <> struct action<r::replace_action> : header_action<ast::ActionKind::replace> {};
template <> struct action<r::jitter_action> : header_action<ast::ActionKind::jitter> {};
template <> struct action<r::blank_action> : header_action<ast::ActionKind::blank> {};
template <> struct action<r::keep_action> : header_action<ast::ActionKind::keep> {};
template <> struct action<r::remove_action> : header_action<ast::ActionKind::remove> {};

// -------------------------------------------------------------- %filter --

template <> struct action<r::label_name> : text_only<&RecipeBuilder::label_name> {};
template <> struct action<r::label_statement> : span_only<&RecipeBuilder::label> {};
template <> struct action<r::leading_operator> : text_only<&RecipeBuilder::leading_operator> {};
template <> struct action<r::inline_operator> : text_only<&RecipeBuilder::inline_operator> {};
template <> struct action<r::value_test> : text_only<&RecipeBuilder::criterion_test> {};
template <> struct action<r::presence_test> : text_only<&RecipeBuilder::criterion_test> {};
template <> struct action<r::criterion_value> : text_and_span<&RecipeBuilder::criterion_value> {};
template <> struct action<r::criterion> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto test_length = std::find_if(text.begin(), text.end(), [](char c) { return !is_word_char(c); }) -
                                 text.begin();
        builder.criterion(span_within(in, builder, 0, static_cast<std::size_t>(test_length)));
    }
};
template <> struct action<r::unknown_criterion> : text_and_span<&RecipeBuilder::unknown_criterion> {};
template <> struct action<r::criterion_statement> : span_only<&RecipeBuilder::criterion_line> {};
template <> struct action<r::coordinates_keyword> : text_only<&RecipeBuilder::coordinates_keyword> {};
template <> struct action<r::region_all> {
    template <typename ActionInput>
    static void apply(const ActionInput&, RecipeBuilder& builder) {
        builder.region_all();
    }
};
template <> struct action<r::region_from> {
    template <typename ActionInput>
    static void apply(const ActionInput&, RecipeBuilder& builder) {
        builder.region_from();
    }
};
template <> struct action<r::region_number> : text_and_span<&RecipeBuilder::region_number> {};
template <> struct action<r::region_body> : text_and_span<&RecipeBuilder::region_text> {};
template <> struct action<r::coordinates_statement> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, RecipeBuilder& builder) {
        const std::string_view text = in.string_view();
        const auto keyword_length = std::find_if(text.begin(), text.end(), [](char c) { return !is_word_char(c); }) -
                                    text.begin();
        builder.coordinates(span_within(in, builder, 0, static_cast<std::size_t>(keyword_length)));
    }
};

// ---------------------------------------------------- %fields, %values --

template <> struct action<r::field_statement> : span_only<&RecipeBuilder::field_entry> {};
template <> struct action<r::split_option> : text_and_span<&RecipeBuilder::split_option> {};
template <> struct action<r::split_statement> : span_only<&RecipeBuilder::split_entry> {};

// -------------------------------------------------------------- %labels --

template <> struct action<r::metadata_key> : text_only<&RecipeBuilder::metadata_key> {};
template <> struct action<r::metadata_value> : text_only<&RecipeBuilder::metadata_value> {};
template <> struct action<r::metadata_statement> : span_only<&RecipeBuilder::metadata> {};

}  // namespace deid::grammar
