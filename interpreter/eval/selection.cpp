#include "interpreter/eval/selection.hpp"

#include <algorithm>

#include "support/strings.hpp"

namespace deid {
namespace {

std::string private_form(const ElementInfo& element) {
    return "(" + hex_digits(element.group, 4) + ",\"" + element.private_creator + "\"," + hex_digits(element.element & 0xFFU, 2) + ")";
}

// Spec §3.2: expanders search the nested name, keyword, dictionary name and
// both tag forms (and the private-creator form of private elements).
bool pattern_matches(const re2::RE2& regex, const ElementInfo& element) {
    auto found = [&](const std::string& text) { return !text.empty() && re2::RE2::PartialMatch(text, regex); };
    return found(element.nested_name) || found(element.keyword) || found(element.name) ||
           found(tag_path_step(element.group, element.element)) ||
           found(hex_digits((std::uint32_t{element.group} << 16U) | element.element, 8)) ||
           (!element.private_creator.empty() && found(private_form(element)));
}

std::shared_ptr<const re2::RE2> value_regex(const std::string& value) {
    re2::RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    auto regex = std::make_shared<const re2::RE2>(value, options);
    if (!regex->ok()) {
        regex = std::make_shared<const re2::RE2>(re2::RE2::QuoteMeta(value), options);
    }
    return regex;
}

}  // namespace

std::size_t PatternMemo::KeyHash::hash(const KeyView& key) {
    const auto& [regex, nested_name, creator, tag] = key;
    std::size_t hash = std::hash<std::string_view>{}(nested_name);
    hash ^= std::hash<const void*>{}(regex) + 0x9e3779b97f4a7c15ULL + (hash << 6U) + (hash >> 2U);
    hash ^= std::hash<std::string_view>{}(creator) + 0x9e3779b97f4a7c15ULL + (hash << 6U) + (hash >> 2U);
    return hash ^ (tag * 0x9e3779b9U);
}

namespace {

// The answer `known` holds for `key`, else `pattern`'s, computed and kept.
// Bounded, for corpora with endless distinct private elements.
template <typename Known, typename Key, typename MakeKey>
bool remembered(Known& known, const Key& key, MakeKey make_key, const plan::PatternMatch& pattern,
                const ElementInfo& element) {
    if (const auto found = known.find(key); found != known.end()) {
        return found->second;
    }
    const bool matched = pattern_matches(*pattern.regex, element);
    if (known.size() >= 200'000) {
        known.clear();
    }
    known.emplace(make_key(), matched);
    return matched;
}

}  // namespace

bool PatternMemo::matches(const plan::PatternMatch& pattern, const ElementInfo& element) {
    // The keyword and dictionary name follow from the tag and creator, and
    // so does the nested name of a top-level element (its keyword or tag).
    // A top-level standard element, nearly every lookup, is thus known by
    // its tag alone (no string hashed); other elements by their creator and
    // nested name too. A nested element's name always holds "__", so it
    // never meets a top-level key.
    const std::uint32_t tag = (std::uint32_t{element.group} << 16U) | element.element;
    if (element.depth == 0 && element.private_creator.empty()) {
        const TagKey key{pattern.regex.get(), tag};
        return remembered(known_by_tag_, key, [&] { return key; }, pattern, element);
    }
    const std::string_view nested_name = element.depth == 0 ? std::string_view{} : std::string_view(element.nested_name);
    const KeyView key{pattern.regex.get(), nested_name, element.private_creator, tag};
    return remembered(
        known_, key, [&] { return Key{pattern.regex.get(), std::string(nested_name), element.private_creator, tag}; },
        pattern, element);
}

bool selects(const plan::Selector& selector, const ElementInfo& element, const std::vector<std::string>& values,
             const GroupContents& groups, PatternMemo* memo) {
    return std::visit(
        [&](const auto& match) -> bool {
            using Match = std::decay_t<decltype(match)>;
            if constexpr (std::is_same_v<Match, plan::TagMatch>) {
                // A tag form selects the element with that tag wherever it
                // stands, private ones included, whatever block their creator holds.
                return (element.group & match.group_mask) == (match.group & match.group_mask) &&
                       element.element == match.element;
            } else if constexpr (std::is_same_v<Match, plan::PrivateMatch>) {
                return element.group == match.group && element.private_creator == match.creator &&
                       (element.element & 0xFFU) == match.element_offset;
            } else if constexpr (std::is_same_v<Match, plan::NestedNameMatch>) {
                return iequals(element.nested_name, match.name) || iequals(element.path, match.name);
            } else if constexpr (std::is_same_v<Match, plan::PatternMatch>) {
                const bool found = memo != nullptr ? memo->matches(match, element) : pattern_matches(*match.regex, element);
                return found != match.negated();
            } else if constexpr (std::is_same_v<Match, plan::AllMatch>) {
                return true;
            } else if constexpr (std::is_same_v<Match, plan::GroupMatch>) {
                return element.group == match.group;
            } else if constexpr (std::is_same_v<Match, plan::VrMatch>) {
                return element.vr == match.vr;
            } else if constexpr (std::is_same_v<Match, plan::FieldsGroupMatch>) {
                return groups.fields[match.index].contains(element.path);
            } else {
                const auto& patterns = groups.values[match.index];
                return std::any_of(values.begin(), values.end(), [&](const std::string& value) {
                    return std::any_of(patterns.begin(), patterns.end(), [&](const auto& regex) {
                        return re2::RE2::PartialMatch(value, *regex);
                    });
                });
            }
        },
        selector);
}

namespace {

void collect_fields(const plan::FieldsGroup& group, const DatasetView& dataset, const std::vector<ElementInfo>& elements,
                    const GroupContents& groups, std::set<std::string>& collected) {
    for (const auto& element : elements) {
        const auto values = dataset.values(element.path).value_or(std::vector<std::string>{});
        for (const auto& field : group.fields) {
            if (selects(field.selector, element, values, groups)) {
                collected.insert(element.path);
            }
        }
    }
}

void collect_values(const plan::ValuesGroup& group, const DatasetView& dataset, const std::vector<ElementInfo>& elements,
                    const GroupContents& groups, std::vector<std::shared_ptr<const re2::RE2>>& patterns) {
    std::set<std::string> collected;
    for (const auto& element : elements) {
        const auto values = dataset.values(element.path).value_or(std::vector<std::string>{});
        for (const auto& source : group.sources) {
            if (!selects(source.field.selector, element, values, groups)) {
                continue;
            }
            for (const auto& value : values) {
                if (!source.split) {
                    if (!value.empty()) {
                        collected.insert(value);
                    }
                    continue;
                }
                std::size_t start = 0;
                while (start <= value.size()) {
                    const auto end = std::min(value.find(source.split->separator, start), value.size());
                    const std::string part = value.substr(start, end - start);
                    if (!part.empty() && part.size() >= source.split->minimum_length) {
                        collected.insert(part);
                    }
                    start = end + source.split->separator.size();
                }
            }
        }
    }
    for (const auto& value : collected) {
        patterns.push_back(value_regex(value));
    }
}

// Plans made by the resolver carry the order; a plan put together by hand
// without one is computed fields first, then values.
std::vector<plan::GroupRef> order_of(const plan::Plan& plan) {
    if (!plan.group_order.empty()) {
        return plan.group_order;
    }
    std::vector<plan::GroupRef> order;
    for (std::size_t i = 0; i < plan.fields.size(); ++i) {
        order.push_back({plan::GroupKind::fields, i});
    }
    for (std::size_t i = 0; i < plan.values.size(); ++i) {
        order.push_back({plan::GroupKind::values, i});
    }
    return order;
}

}  // namespace

GroupContents compute_groups(const plan::Plan& plan, const DatasetView& dataset,
                             const std::vector<ElementInfo>& elements) {
    GroupContents groups;
    groups.fields.resize(plan.fields.size());
    groups.values.resize(plan.values.size());
    // Every group after the groups it names (the resolver orders them).
    for (const auto& group : order_of(plan)) {
        if (group.kind == plan::GroupKind::fields) {
            collect_fields(plan.fields[group.index], dataset, elements, groups, groups.fields[group.index]);
        } else {
            collect_values(plan.values[group.index], dataset, elements, groups, groups.values[group.index]);
        }
    }
    return groups;
}

}  // namespace deid
