#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl/parse_error.hpp>

#include "grammar/statement_error.hpp"
#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::grammar {

// The parser's state: the grammar's actions hand it the pieces of each
// statement as they match, and it assembles the AST. Pieces of a statement
// are pending until the statement completes; a statement that fails is
// abandoned whole, so no half-built node reaches the AST.
class RecipeBuilder {
public:
    enum class SectionKind { none, header, filter, fields, values, labels, unknown };

    RecipeBuilder(std::string file, Diagnostics& diagnostics);

    [[nodiscard]] const std::string& file() const { return recipe_.file; }
    [[nodiscard]] SourceSpan span(std::uint32_t line, std::uint32_t column, std::size_t length) const;

    // recover_statement's protocol.
    void begin_statement();
    void abandon_statement();
    void syntax_error(const tao::pegtl::parse_error& error);
    void statement_error(const StatementError& error);

    // Structure.
    // A FORMAT line was written, valid or not: no "missing FORMAT" then.
    void format_line_seen() { reported_missing_format_ = true; }
    void format(std::string_view name, const SourceSpan& span);
    void open_section(SectionKind kind, const SourceSpan& span);
    void name_section(std::string_view name);
    [[noreturn]] void unknown_section(std::string_view line, const SourceSpan& span);
    [[noreturn]] void unknown_statement(std::string_view line, const SourceSpan& span);
    [[noreturn]] void stray_text(std::string_view line, const SourceSpan& span);

    // Field expressions: one selector call, then complete_field.
    void selector(ast::FieldSelector selector);
    void complete_field(std::string_view text, const SourceSpan& span);
    [[noreturn]] void unknown_expander(std::string_view name, const SourceSpan& span);

    // Values.
    void literal_value(std::string_view text);
    void variable_value(std::string_view name);
    void function_value(std::string_view name);
    void builtin_name(std::string_view name, const SourceSpan& span);
    void builtin_option(std::string_view option, const SourceSpan& span);
    void complete_value(std::string_view text, const SourceSpan& span);

    // %header
    void header_action(ast::ActionKind kind, std::string_view keyword, const SourceSpan& keyword_span);

    // Any comment; one that ends a header action's line is kept with it.
    void comment(std::string_view text, const SourceSpan& span);

    // %filter
    void label_name(std::string_view name);
    void label(const SourceSpan& span);
    void leading_operator(std::string_view op);
    void inline_operator(std::string_view op);
    void criterion_test(std::string_view test);
    void criterion_value(std::string_view value, const SourceSpan& span);
    void criterion(const SourceSpan& span);
    [[noreturn]] void unknown_criterion(std::string_view text, const SourceSpan& span);
    void criterion_line(const SourceSpan& span);
    void coordinates_keyword(std::string_view keyword);
    void region_all();
    void region_from();
    void region_number(std::string_view number, const SourceSpan& span);
    void region_text(std::string_view text, const SourceSpan& span);
    void coordinates(const SourceSpan& span);

    // %fields, %values
    void field_entry(const SourceSpan& span);
    void split_option(std::string_view option, const SourceSpan& span);
    void split_entry(const SourceSpan& span);

    // %labels
    void metadata_key(std::string_view key);
    void metadata_value(std::string_view value);
    void metadata(const SourceSpan& span);

    // The recipe; reports what can only be judged at the end (no FORMAT).
    ast::Recipe finish();

private:
    // Pieces of the statement being parsed.
    struct Pending {
        std::optional<ast::FieldSelector> selector;
        std::optional<ast::FieldExpr> field;
        std::optional<decltype(ast::Value::kind)> value_kind;
        std::optional<ast::Value> value;
        std::string builtin;
        SourceSpan builtin_span;
        std::vector<ast::BuiltinOption> builtin_options;
        std::string label_name;
        ast::Connective line_connective = ast::Connective::none;
        ast::Connective next_connective = ast::Connective::none;
        std::optional<ast::CriterionTest> test;
        std::optional<std::string> criterion_value;
        SourceSpan criterion_value_span;
        std::vector<ast::Criterion> criteria;
        ast::RegionMask mask = ast::RegionMask::blank;
        bool ctp = false;
        std::optional<decltype(ast::CoordinatesLine::region)> region;
        std::vector<std::int64_t> numbers;
        std::string region_text;
        SourceSpan region_span;
        std::optional<ast::SplitOptions> split;
        std::string metadata_key;
        std::string metadata_value;
    };

    [[noreturn]] void fail(const SourceSpan& span, std::string code, std::string message) const;
    template <typename Section>
    Section& current();
    ast::Label& current_label(const SourceSpan& span, std::string_view what);

    std::string file_;
    Diagnostics& diagnostics_;
    ast::Recipe recipe_;
    SectionKind section_ = SectionKind::none;
    bool reported_missing_format_ = false;
    Pending pending_;
};

}  // namespace deid::grammar
