#include "grammar/recipe_builder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "support/strings.hpp"
#include "support/suggest.hpp"

namespace deid::grammar {
namespace {

const std::vector<std::string> kActionWords = {"ADD", "BLANK", "JITTER", "KEEP", "REPLACE", "REMOVE"};
const std::vector<std::string> kSectionWords = {"header", "filter", "fields", "values", "labels"};
const std::vector<std::string> kFilterWords = {"contains",       "notcontains",     "equals",
                                               "notequals",      "missing",         "present",
                                               "empty",          "LABEL",           "coordinates",
                                               "keepcoordinates", "ctpcoordinates", "ctpkeepcoordinates"};
const std::vector<std::string> kExpanderWords = {"startswith", "endswith", "contains", "except",
                                                 "select",     "fields",   "values"};

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    if (auto match = closest_match(word, candidates)) {
        return " (did you mean '" + *match + "'?)";
    }
    return "";
}

std::string_view first_word(std::string_view text) {
    const auto end = std::find_if(text.begin(), text.end(), [](char c) { return !is_word_char(c); });
    return text.substr(0, static_cast<std::size_t>(end - text.begin()));
}

std::string_view section_word(RecipeBuilder::SectionKind kind) {
    using K = RecipeBuilder::SectionKind;
    switch (kind) {
        case K::header: return "%header";
        case K::filter: return "%filter";
        case K::fields: return "%fields";
        case K::values: return "%values";
        case K::labels: return "%labels";
        case K::none:
        case K::unknown: break;
    }
    return "this section";
}

}  // namespace

RecipeBuilder::RecipeBuilder(std::string file, Diagnostics& diagnostics)
    : file_(file), diagnostics_(diagnostics) {
    recipe_.file = std::move(file);
}

SourceSpan RecipeBuilder::span(std::uint32_t line, std::uint32_t column, std::size_t length) const {
    return {file_, line, column, column + static_cast<std::uint32_t>(length)};
}

void RecipeBuilder::fail(const SourceSpan& span, std::string code, std::string message) const {
    throw StatementError{{Severity::error, span, std::move(code), std::move(message)}};
}

// ------------------------------------------------------------ recovery --

void RecipeBuilder::begin_statement() { pending_ = Pending{}; }

void RecipeBuilder::abandon_statement() { pending_ = Pending{}; }

void RecipeBuilder::syntax_error(const tao::pegtl::parse_error& error) {
    const auto& where = error.positions().front();
    diagnostics_.error(span(static_cast<std::uint32_t>(where.line), static_cast<std::uint32_t>(where.column), 1),
                       "syntax", std::string(error.message()));
}

void RecipeBuilder::statement_error(const StatementError& error) { diagnostics_.add(error.diagnostic); }

// ----------------------------------------------------------- structure --

void RecipeBuilder::format(std::string_view name, const SourceSpan& span) {
    const std::string lowered = to_lower(name);
    if (lowered != "dicom") {
        fail(span, "unknown-format", "unknown format '" + std::string(name) + "' (only 'dicom' exists)");
    }
    if (recipe_.format) {
        diagnostics_.warning(span, "duplicate-format", "FORMAT given twice");
        return;
    }
    recipe_.format = ast::FormatDecl{span, lowered};
}

void RecipeBuilder::open_section(SectionKind kind, const SourceSpan& span) {
    if (!recipe_.format && !reported_missing_format_) {
        reported_missing_format_ = true;
        diagnostics_.error(span, "missing-format",
                           std::string(section_word(kind)) + " before FORMAT: a recipe starts with 'FORMAT dicom'");
    }
    section_ = kind;
    switch (kind) {
        case SectionKind::header: recipe_.sections.emplace_back(ast::HeaderSection{span, {}}); break;
        case SectionKind::filter: recipe_.sections.emplace_back(ast::FilterSection{span, {}, {}}); break;
        case SectionKind::fields: recipe_.sections.emplace_back(ast::FieldsSection{span, {}, {}}); break;
        case SectionKind::values: recipe_.sections.emplace_back(ast::ValuesSection{span, {}, {}}); break;
        case SectionKind::labels: recipe_.sections.emplace_back(ast::LabelsSection{span, {}}); break;
        case SectionKind::none:
        case SectionKind::unknown: break;
    }
}

void RecipeBuilder::name_section(std::string_view name) {
    const std::string trimmed{trim(name)};
    std::visit(
        [&](auto& section) {
            if constexpr (requires { section.name; }) {
                section.name = trimmed;
            }
        },
        recipe_.sections.back());
}

void RecipeBuilder::unknown_section(std::string_view line, const SourceSpan& span) {
    section_ = SectionKind::unknown;
    const std::string_view word = first_word(line);
    if (word.empty()) {
        fail(span, "unknown-section", "expected a section name after '%' (header, filter, fields, values or labels)");
    }
    fail({span.file, span.line, span.column - 1, span.column + static_cast<std::uint32_t>(word.size())},
         "unknown-section",
         "unknown section '%" + std::string(word) + "' (expected %header, %filter, %fields, %values or %labels)" +
             did_you_mean(word, kSectionWords));
}

void RecipeBuilder::unknown_statement(std::string_view line, const SourceSpan& span) {
    const std::string word{first_word(line)};
    const SourceSpan word_span{span.file, span.line, span.column, span.column + static_cast<std::uint32_t>(word.size())};
    switch (section_) {
        case SectionKind::header:
            fail(word_span, "unknown-action",
                 "unknown action '" + word + "' (expected ADD, BLANK, JITTER, KEEP, REPLACE or REMOVE)" +
                     did_you_mean(word, kActionWords));
        case SectionKind::fields:
            if (iequals(word, "SPLIT")) {
                fail(word_span, "unknown-action", "SPLIT belongs in %values; %fields takes only FIELD");
            }
            fail(word_span, "unknown-action",
                 "unknown statement '" + word + "' in %fields (expected FIELD)" + did_you_mean(word, {"FIELD"}));
        case SectionKind::values:
            fail(word_span, "unknown-action",
                 "unknown statement '" + word + "' in %values (expected FIELD or SPLIT)" +
                     did_you_mean(word, {"FIELD", "SPLIT"}));
        case SectionKind::labels:
            fail(word_span, "unknown-action",
                 "unknown statement '" + word + "' in %labels (expected 'ADD KEY VALUE')" +
                     did_you_mean(word, {"ADD"}));
        case SectionKind::filter:
        case SectionKind::none:
        case SectionKind::unknown: break;
    }
    stray_text(line, span);
}

void RecipeBuilder::stray_text(std::string_view line, const SourceSpan& span) {
    const std::string text{trim(line)};
    const std::string word{first_word(text)};
    if (section_ == SectionKind::none) {
        const bool is_action = std::any_of(kActionWords.begin(), kActionWords.end(),
                                           [&](const std::string& action) { return iequals(word, action); });
        if (is_action) {
            fail(span, "outside-section", "action " + to_upper(word) + " outside a section: put it under %header");
        }
        fail(span, "outside-section", "unexpected '" + text + "' before any section (expected 'FORMAT dicom' or a section such as %header)");
    }
    fail(span, "syntax", "unexpected '" + text + "' in " + std::string(section_word(section_)));
}

// ---------------------------------------------------- field expressions --

void RecipeBuilder::selector(ast::FieldSelector selector) { pending_.selector = std::move(selector); }

void RecipeBuilder::complete_field(std::string_view text, const SourceSpan& span) {
    pending_.field = ast::FieldExpr{span, std::string(text), std::move(*pending_.selector)};
    pending_.selector.reset();
}

void RecipeBuilder::unknown_expander(std::string_view name, const SourceSpan& span) {
    fail(span, "unknown-expander",
         "unknown expander '" + std::string(name) +
             ":' (expected startswith:, endswith:, contains:, except:, select:, fields: or values:)" +
             did_you_mean(name, kExpanderWords));
}

// --------------------------------------------------------------- values --

void RecipeBuilder::literal_value(std::string_view text) {
    pending_.value_kind = ast::LiteralValue{collapse_blanks_outside_quotes(text)};
}

void RecipeBuilder::variable_value(std::string_view name) { pending_.value_kind = ast::VariableValue{std::string(name)}; }

void RecipeBuilder::function_value(std::string_view name) { pending_.value_kind = ast::FunctionValue{std::string(name)}; }

void RecipeBuilder::builtin_name(std::string_view name, const SourceSpan& span) {
    pending_.builtin = std::string(name);
    pending_.builtin_span = span;
}

void RecipeBuilder::builtin_option(std::string_view option, const SourceSpan& span) {
    const auto equals = option.find('=');
    pending_.builtin_options.push_back(
        {span, std::string(option.substr(0, equals)), unquote(option.substr(equals + 1))});
}

void RecipeBuilder::complete_value(std::string_view text, const SourceSpan& span) {
    if (!pending_.value_kind) {
        pending_.value_kind = ast::BuiltinValue{pending_.builtin, pending_.builtin_span, pending_.builtin_options};
    }
    const std::string_view trimmed = trim(text);
    pending_.value = ast::Value{{span.file, span.line, span.column, span.column + static_cast<std::uint32_t>(trimmed.size())},
                                std::string(trimmed),
                                std::move(*pending_.value_kind)};
    pending_.value_kind.reset();
}

// -------------------------------------------------------------- %header --

void RecipeBuilder::header_action(ast::ActionKind kind, std::string_view keyword, const SourceSpan& keyword_span) {
    current<ast::HeaderSection>().actions.push_back(ast::HeaderAction{
        keyword_span, kind, std::move(*pending_.field), std::move(pending_.value), std::string(keyword), std::nullopt});
}

void RecipeBuilder::comment(std::string_view text, const SourceSpan& span) {
    if (section_ != SectionKind::header) {
        return;
    }
    auto& actions = current<ast::HeaderSection>().actions;
    if (!actions.empty() && actions.back().span.line == span.line && actions.back().span.file == span.file) {
        const std::string_view trimmed = trim(text);
        actions.back().comment = ast::TrailingComment{
            {span.file, span.line, span.column, span.column + static_cast<std::uint32_t>(trimmed.size())},
            std::string(trimmed)};
    }
}

// -------------------------------------------------------------- %filter --

void RecipeBuilder::label_name(std::string_view name) { pending_.label_name = std::string(trim(name)); }

void RecipeBuilder::label(const SourceSpan& span) {
    current<ast::FilterSection>().labels.push_back(ast::Label{span, pending_.label_name, {}, {}});
}

namespace {
ast::Connective connective_of(std::string_view op) {
    return trim(op).starts_with("||") ? ast::Connective::any_of : ast::Connective::all_of;
}
}  // namespace

void RecipeBuilder::leading_operator(std::string_view op) { pending_.line_connective = connective_of(op); }

void RecipeBuilder::inline_operator(std::string_view op) { pending_.next_connective = connective_of(op); }

void RecipeBuilder::criterion_test(std::string_view test) {
    static const std::vector<std::pair<std::string_view, ast::CriterionTest>> tests = {
        {"contains", ast::CriterionTest::contains}, {"notcontains", ast::CriterionTest::notcontains},
        {"equals", ast::CriterionTest::equals},     {"notequals", ast::CriterionTest::notequals},
        {"missing", ast::CriterionTest::missing},   {"present", ast::CriterionTest::present},
        {"empty", ast::CriterionTest::empty}};
    for (const auto& [word, kind] : tests) {
        if (iequals(test, word)) {
            pending_.test = kind;
        }
    }
}

void RecipeBuilder::criterion_value(std::string_view value, const SourceSpan& span) {
    const std::string_view trimmed = trim(value);
    pending_.criterion_value = std::string(trimmed);
    pending_.criterion_value_span = {span.file, span.line, span.column,
                                     span.column + static_cast<std::uint32_t>(trimmed.size())};
}

void RecipeBuilder::criterion(const SourceSpan& span) {
    ast::Criterion criterion;
    criterion.span = span;
    criterion.connective = pending_.criteria.empty() ? ast::Connective::none : pending_.next_connective;
    criterion.test = *pending_.test;
    criterion.field = std::move(*pending_.field);
    criterion.value = std::move(pending_.criterion_value);
    criterion.value_span = pending_.criterion_value_span;
    pending_.criteria.push_back(std::move(criterion));
    pending_.field.reset();
    pending_.test.reset();
    pending_.criterion_value.reset();
}

void RecipeBuilder::unknown_criterion(std::string_view text, const SourceSpan& span) {
    const std::string word{first_word(text)};
    fail({span.file, span.line, span.column, span.column + static_cast<std::uint32_t>(word.size())}, "unknown-test",
         "unknown filter test '" + word +
             "' (expected contains, notcontains, equals, notequals, missing, present or empty)" +
             did_you_mean(word, kFilterWords));
}

ast::Label& RecipeBuilder::current_label(const SourceSpan& span, std::string_view what) {
    auto& labels = current<ast::FilterSection>().labels;
    if (labels.empty()) {
        fail(span, "outside-label", std::string(what) + " before any LABEL in %filter: start a block with 'LABEL name'");
    }
    return labels.back();
}

void RecipeBuilder::criterion_line(const SourceSpan& span) {
    auto& label = current_label(span, "filter criterion");
    label.lines.push_back(ast::CriterionLine{span, pending_.line_connective, std::move(pending_.criteria)});
}

void RecipeBuilder::coordinates_keyword(std::string_view keyword) {
    const std::string lowered = to_lower(keyword);
    pending_.ctp = lowered.starts_with("ctp");
    pending_.mask = lowered.find("keep") != std::string::npos ? ast::RegionMask::keep : ast::RegionMask::blank;
}

void RecipeBuilder::region_all() { pending_.region = ast::RegionAll{}; }

void RecipeBuilder::region_from() {
    pending_.region = ast::RegionFrom{std::move(*pending_.field)};
    pending_.field.reset();
}

void RecipeBuilder::region_number(std::string_view number, const SourceSpan& span) {
    std::int64_t value = 0;
    const auto result = std::from_chars(number.data(), number.data() + number.size(), value);
    if (result.ec != std::errc{}) {
        fail(span, "bad-coordinates", "coordinate '" + std::string(number) + "' is out of range");
    }
    pending_.numbers.push_back(value);
}

void RecipeBuilder::region_text(std::string_view text, const SourceSpan& span) {
    pending_.region_text = std::string(text);
    pending_.region_span = span;
}

void RecipeBuilder::coordinates(const SourceSpan& span) {
    if (!pending_.region) {
        if (pending_.numbers.size() != 4) {
            fail(pending_.region_span, "bad-coordinates",
                 "coordinates need four numbers (" +
                     std::string(pending_.ctp ? "x,y,width,height" : "xmin,ymin,xmax,ymax") + "), found " +
                     std::to_string(pending_.numbers.size()));
        }
        pending_.region = ast::RegionRect{pending_.numbers};
    }
    auto& label = current_label(span, "coordinates");
    label.coordinates.push_back(ast::CoordinatesLine{span, pending_.mask, pending_.ctp, pending_.region_text,
                                                     pending_.region_span, std::move(*pending_.region)});
}

// ---------------------------------------------------- %fields, %values --

void RecipeBuilder::field_entry(const SourceSpan& span) {
    if (section_ == SectionKind::fields) {
        current<ast::FieldsSection>().entries.push_back(ast::FieldsEntry{span, std::move(*pending_.field)});
    } else {
        current<ast::ValuesSection>().entries.push_back(
            ast::ValuesEntry{span, ast::ValuesEntryKind::field, std::move(*pending_.field), std::nullopt});
    }
}

void RecipeBuilder::split_option(std::string_view option, const SourceSpan& span) {
    if (!pending_.split) {
        pending_.split = ast::SplitOptions{};
        pending_.split->span = span;
    }
    const auto equals = option.find('=');
    const std::string key = to_lower(option.substr(0, equals));
    const std::string value = unquote(option.substr(equals + 1));
    auto& split = *pending_.split;
    split.span.end_column = span.end_column;
    if (key == "by" || key == "splitval") {
        split.separator = value;
        split.legacy_splitval = split.legacy_splitval || key == "splitval";
    } else if (key == "minlength") {
        std::int64_t length = 0;
        const auto result = std::from_chars(value.data(), value.data() + value.size(), length);
        if (result.ec != std::errc{} || result.ptr != value.data() + value.size() || length < 0) {
            fail(span, "bad-split-option", "minlength must be a non-negative integer, found '" + value + "'");
        }
        split.minimum_length = length;
    } else {
        fail(span, "bad-split-option",
             "unknown SPLIT option '" + key + "' (expected by= and minlength=)" +
                 did_you_mean(key, {"by", "minlength"}));
    }
}

void RecipeBuilder::split_entry(const SourceSpan& span) {
    current<ast::ValuesSection>().entries.push_back(
        ast::ValuesEntry{span, ast::ValuesEntryKind::split, std::move(*pending_.field),
                         pending_.split.value_or(ast::SplitOptions{" ", 1, span, false})});
}

// -------------------------------------------------------------- %labels --

void RecipeBuilder::metadata_key(std::string_view key) { pending_.metadata_key = std::string(key); }

void RecipeBuilder::metadata_value(std::string_view value) { pending_.metadata_value = std::string(trim(value)); }

void RecipeBuilder::metadata(const SourceSpan& span) {
    current<ast::LabelsSection>().entries.push_back(
        ast::MetadataEntry{span, pending_.metadata_key, pending_.metadata_value});
}

// --------------------------------------------------------------- result --

template <typename Section>
Section& RecipeBuilder::current() {
    return std::get<Section>(recipe_.sections.back());
}

ast::Recipe RecipeBuilder::finish() {
    if (!recipe_.format && !reported_missing_format_) {
        diagnostics_.error({file_, 1, 1, 1}, "missing-format", "missing FORMAT: a recipe starts with 'FORMAT dicom'");
    }
    return std::move(recipe_);
}

}  // namespace deid::grammar
