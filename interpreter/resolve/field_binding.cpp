#include "interpreter/resolve/field_binding.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "support/strings.hpp"
#include "support/suggest.hpp"

namespace deid {
namespace {

constexpr std::array<std::string_view, 34> kValueRepresentations = {
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
    "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    if (auto match = closest_match(word, candidates)) {
        return " (did you mean '" + *match + "'?)";
    }
    return "";
}

std::vector<std::string> group_names(const auto& groups) {
    std::vector<std::string> names;
    for (const auto& group : groups) {
        names.push_back(group.name);
    }
    return names;
}

std::string list_or_none(const std::vector<std::string>& names) {
    if (names.empty()) {
        return "none is defined";
    }
    std::string out = "defined: ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    return out;
}

bool is_path_step_tag(std::string_view step) {
    return step.size() == 11 && step.front() == '(' && step.back() == ')' && step[5] == ',';
}

bool is_all_digits(std::string_view step) {
    return !step.empty() && std::all_of(step.begin(), step.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string tag_text(std::uint16_t group, std::uint16_t element) {
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "(%04X,%04X)", group, element);
    return buffer.data();
}

plan::TagMatch tag_match_of(const DictionaryEntry& entry) {
    // Repeating groups such as (60xx,3000) are even ranges: the mask keeps the
    // low bit so that odd (private) groups like (6001,3000) never match.
    return {entry.group, entry.element, static_cast<std::uint16_t>(entry.repeating ? 0xFF01 : 0xFFFF)};
}

FieldBinder::FieldBinder(const ElementDictionary& dictionary, const ast::CombinedRecipe& recipe,
                         Diagnostics& diagnostics)
    : dictionary_(dictionary), recipe_(recipe), diagnostics_(diagnostics) {}

std::optional<plan::BoundField> FieldBinder::bind(const ast::FieldExpr& field) {
    std::optional<plan::Selector> selector = std::visit(
        [&](const auto& form) -> std::optional<plan::Selector> {
            using Form = std::decay_t<decltype(form)>;
            if constexpr (std::is_same_v<Form, ast::NamedField>) {
                return bind_name(form.name, field.span);
            } else if constexpr (std::is_same_v<Form, ast::TagField>) {
                return plan::TagMatch{form.group, form.element};
            } else if constexpr (std::is_same_v<Form, ast::PrivateCreatorField>) {
                if (form.group % 2 == 0) {
                    diagnostics_.error(field.span, "malformed-private",
                                       "group " + tag_text(form.group, 0).substr(1, 4) +
                                           " is not private (private groups are odd): '" + field.text + "'");
                    return std::nullopt;
                }
                return plan::PrivateMatch{form.group, form.creator, form.element_offset};
            } else if constexpr (std::is_same_v<Form, ast::PatternField>) {
                return bind_pattern(form);
            } else if constexpr (std::is_same_v<Form, ast::AllFields>) {
                if (iequals(form.spelling, "allfields")) {
                    diagnostics_.note(field.span, "legacy-expander",
                                      "'allfields' selects every element here, like ALL; the established tool "
                                      "selects nothing for it");
                }
                return plan::AllMatch{};
            } else if constexpr (std::is_same_v<Form, ast::SelectField>) {
                return bind_select(form);
            } else {
                return bind_group(form);
            }
        },
        field.selector);
    if (!selector) {
        return std::nullopt;
    }
    return plan::BoundField{std::move(*selector), field.text, field.span};
}

std::optional<plan::BoundField> FieldBinder::bind_filter_field(const ast::FieldExpr& field) {
    if (const auto* tag = std::get_if<ast::TagField>(&field.selector)) {
        return plan::BoundField{plan::TagMatch{tag->group, tag->element}, field.text, field.span};
    }
    const auto& name = std::get<ast::NamedField>(field.selector).name;
    auto selector = bind_keyword(name, field.span);
    if (!selector) {
        return std::nullopt;
    }
    return plan::BoundField{std::move(*selector), field.text, field.span};
}

std::optional<DictionaryEntry> FieldBinder::entry_of(const ast::FieldExpr& field) const {
    if (const auto* tag = std::get_if<ast::TagField>(&field.selector)) {
        return dictionary_.find_tag(tag->group, tag->element);
    }
    if (const auto* named = std::get_if<ast::NamedField>(&field.selector)) {
        if (auto entry = dictionary_.find_keyword(named->name)) {
            return entry;
        }
        if (auto entry = dictionary_.find_name(named->name)) {
            return entry;
        }
        if (auto alias = dictionary_.find_alias(named->name)) {
            return alias->target;
        }
    }
    return std::nullopt;
}

std::optional<std::string> FieldBinder::element_tag(const std::string& name, const SourceSpan& span) {
    unsigned group = 0;
    unsigned element = 0;
    char end = 0;
    const bool parenthesised = name.size() == 11 && std::sscanf(name.c_str(), "(%4x,%4x%c", &group, &element, &end) == 3 && end == ')';
    const bool bare = name.size() == 8 && std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }) &&
                      std::sscanf(name.c_str(), "%4x%4x", &group, &element) == 2;
    if (parenthesised || bare) {
        return tag_text(static_cast<std::uint16_t>(group), static_cast<std::uint16_t>(element));
    }
    const auto selector = bind_keyword(name, span);
    if (!selector) {
        return std::nullopt;
    }
    const auto* tag = std::get_if<plan::TagMatch>(&*selector);
    if (tag == nullptr || tag->group_mask != 0xFFFF) {
        diagnostics_.error(span, "bad-option", "'" + name + "' names no single element (write its tag, (gggg,eeee))");
        return std::nullopt;
    }
    return tag_text(tag->group, tag->element);
}

std::shared_ptr<const re2::RE2> FieldBinder::compile(const std::string& pattern, const SourceSpan& span,
                                                     std::string_view what) {
    re2::RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    auto regex = std::make_shared<const re2::RE2>(pattern, options);
    if (!regex->ok()) {
        diagnostics_.error(span, "bad-regex",
                           "invalid regular expression in " + std::string(what) + " '" + pattern + "': " +
                               regex->error());
        return nullptr;
    }
    return regex;
}

std::optional<plan::Selector> FieldBinder::bind_name(const std::string& name, const SourceSpan& span) {
    if (name.find("__") != std::string::npos) {
        return bind_nested(name, span);
    }
    return bind_keyword(name, span);
}

std::optional<plan::Selector> FieldBinder::bind_keyword(std::string_view keyword, const SourceSpan& span) {
    if (auto entry = dictionary_.find_keyword(keyword)) {
        if (entry->repeating) {
            // pydicom gives elements of repeating groups no keyword.
            const std::string range = "(" + hex_digits(entry->group >> 8U, 2) + "xx," + hex_digits(entry->element, 4) + ")";
            diagnostics_.note(span, "repeating-group",
                              "'" + std::string(keyword) + "' is the repeating group " + range +
                                  ": here it selects the element in every group of the range; the established tool "
                                  "matches nothing for it");
        }
        return tag_match_of(*entry);
    }
    if (auto entry = dictionary_.find_name(keyword)) {
        return tag_match_of(*entry);
    }
    if (auto alias = dictionary_.find_alias(keyword)) {
        const std::string origin =
            alias->kind == AliasKind::legacy ? "the pre-2017 keyword" : "the RSNA CTP name";
        diagnostics_.warning(span, "alias",
                             "'" + std::string(keyword) + "' is " + origin + " of " + alias->target.keyword + " " +
                                 tag_text(alias->target.group, alias->target.element) + "; write " +
                                 alias->target.keyword + " (older tools match nothing for it)");
        return tag_match_of(alias->target);
    }
    report_unknown_keyword(keyword, span);
    return std::nullopt;
}

void FieldBinder::report_unknown_keyword(std::string_view keyword, const SourceSpan& span) {
    diagnostics_.error(span, "unknown-keyword",
                       "unknown DICOM keyword '" + std::string(keyword) + "'" + did_you_mean(keyword, dictionary_.keywords()));
}

std::optional<plan::Selector> FieldBinder::bind_nested(const std::string& name, const SourceSpan& span) {
    // Each step of a nested name or path id must name something real.
    bool all_known = true;
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto end = std::min(name.find("__", start), name.size());
        const std::string_view step = std::string_view(name).substr(start, end - start);
        if (!is_path_step_tag(step) && !is_all_digits(step) && !dictionary_.find_keyword(step) &&
            !dictionary_.find_alias(step)) {
            report_unknown_keyword(step, span);
            all_known = false;
        }
        start = end + 2;
    }
    if (!all_known) {
        return std::nullopt;
    }
    return plan::NestedNameMatch{name};
}

std::optional<plan::Selector> FieldBinder::bind_pattern(const ast::PatternField& pattern) {
    if (pattern.spelling == "allexcept" || pattern.spelling == "exceptfields") {
        diagnostics_.note(pattern.pattern_span, "legacy-expander",
                          "'" + pattern.spelling + ":' means except: here; the established tool selects nothing for it");
    }
    std::string anchored = pattern.pattern;
    switch (pattern.kind) {
        case ast::PatternKind::startswith: anchored = "^(?:" + pattern.pattern + ")"; break;
        case ast::PatternKind::endswith: anchored = "(?:" + pattern.pattern + ")$"; break;
        case ast::PatternKind::contains:
        case ast::PatternKind::except: break;
    }
    auto regex = compile(anchored, pattern.pattern_span, pattern.spelling + ":");
    if (!regex) {
        return std::nullopt;
    }
    return plan::PatternMatch{std::move(regex), pattern.kind};
}

std::optional<plan::Selector> FieldBinder::bind_select(const ast::SelectField& select) {
    if (select.by == ast::SelectBy::group) {
        std::uint16_t group = 0;
        std::sscanf(select.argument.c_str(), "%hx", &group);
        return plan::GroupMatch{group};
    }
    const std::string vr = to_upper(select.argument);
    if (std::find(kValueRepresentations.begin(), kValueRepresentations.end(), vr) == kValueRepresentations.end()) {
        diagnostics_.error(select.argument_span, "unknown-vr", "unknown value representation '" + select.argument + "'");
        return std::nullopt;
    }
    return plan::VrMatch{vr};
}

std::optional<plan::Selector> FieldBinder::bind_group(const ast::GroupField& group) {
    const bool fields = group.kind == ast::GroupKind::fields;
    const auto names = fields ? group_names(recipe_.fields) : group_names(recipe_.values);
    const auto found = std::find(names.begin(), names.end(), group.name);
    if (found == names.end()) {
        const std::string section = fields ? "%fields" : "%values";
        diagnostics_.error(group.name_span, "unknown-group",
                           (fields ? "fields:" : "values:") + group.name + " names no " + section + " group (" +
                               list_or_none(names) + ")" + did_you_mean(group.name, names));
        return std::nullopt;
    }
    const auto index = static_cast<std::size_t>(found - names.begin());
    if (fields) {
        return plan::FieldsGroupMatch{index};
    }
    return plan::ValuesGroupMatch{index};
}

}  // namespace deid
