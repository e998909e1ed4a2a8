#include "interpreter/resolve/static_selection.hpp"

#include <cstdio>

#include "interpreter/resolve/field_binding.hpp"

namespace deid {
namespace {

std::string compact_tag(std::uint16_t group, std::uint16_t element) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04X%04X", group, element);
    return buffer;
}

bool pattern_matches(const re2::RE2& regex, const DictionaryEntry& entry) {
    // At the top level an element's nested name is its keyword.
    return re2::RE2::PartialMatch(entry.keyword, regex) || (!entry.name.empty() && re2::RE2::PartialMatch(entry.name, regex)) ||
           re2::RE2::PartialMatch(tag_text(entry.group, entry.element), regex) ||
           re2::RE2::PartialMatch(compact_tag(entry.group, entry.element), regex);
}

Selection from_bool(bool value) { return value ? Selection::yes : Selection::no; }

}  // namespace

Selection selects(const plan::Selector& selector, const DictionaryEntry& entry, const plan::Plan& plan) {
    return std::visit(
        [&](const auto& match) -> Selection {
            using Match = std::decay_t<decltype(match)>;
            if constexpr (std::is_same_v<Match, plan::TagMatch>) {
                return from_bool((entry.group & match.group_mask) == (match.group & match.group_mask) &&
                                 entry.element == match.element);
            } else if constexpr (std::is_same_v<Match, plan::PatternMatch>) {
                return from_bool(pattern_matches(*match.regex, entry) != match.negated());
            } else if constexpr (std::is_same_v<Match, plan::AllMatch>) {
                return Selection::yes;
            } else if constexpr (std::is_same_v<Match, plan::GroupMatch>) {
                return from_bool(entry.group == match.group);
            } else if constexpr (std::is_same_v<Match, plan::VrMatch>) {
                return from_bool(entry.vr == match.vr);
            } else if constexpr (std::is_same_v<Match, plan::FieldsGroupMatch>) {
                Selection result = Selection::no;
                for (const auto& field : plan.fields[match.index].fields) {
                    const Selection one = selects(field.selector, entry, plan);
                    if (one == Selection::yes) {
                        return Selection::yes;
                    }
                    if (one == Selection::depends) {
                        result = Selection::depends;
                    }
                }
                return result;
            } else if constexpr (std::is_same_v<Match, plan::ValuesGroupMatch>) {
                return Selection::depends;
            } else {
                // Private and nested-name matches never pick a top-level standard element.
                return Selection::no;
            }
        },
        selector);
}

bool is_plain(const plan::Selector& selector) {
    return std::holds_alternative<plan::TagMatch>(selector) || std::holds_alternative<plan::PrivateMatch>(selector) ||
           std::holds_alternative<plan::NestedNameMatch>(selector);
}

bool same_element(const plan::Selector& a, const plan::Selector& b) {
    if (const auto* x = std::get_if<plan::TagMatch>(&a)) {
        const auto* y = std::get_if<plan::TagMatch>(&b);
        return y != nullptr && x->group == y->group && x->element == y->element;
    }
    if (const auto* x = std::get_if<plan::PrivateMatch>(&a)) {
        const auto* y = std::get_if<plan::PrivateMatch>(&b);
        return y != nullptr && x->group == y->group && x->creator == y->creator &&
               x->element_offset == y->element_offset;
    }
    if (const auto* x = std::get_if<plan::NestedNameMatch>(&a)) {
        const auto* y = std::get_if<plan::NestedNameMatch>(&b);
        return y != nullptr && x->name.size() == y->name.size() &&
               std::equal(x->name.begin(), x->name.end(), y->name.begin(),
                          [](char p, char q) { return std::tolower(static_cast<unsigned char>(p)) ==
                                                      std::tolower(static_cast<unsigned char>(q)); });
    }
    return false;
}

}  // namespace deid
