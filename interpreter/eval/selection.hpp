#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "interpreter/dataset/dataset_view.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// What a file's %fields and %values groups hold, computed once per file from
// the original dataset (spec §3.5 step 3).
struct GroupContents {
    std::vector<std::set<std::string>> fields;  // paths, per Plan::fields index
    // Per Plan::values index: the collected values as case-insensitive
    // regexes (literal text where a value is no valid regex).
    std::vector<std::vector<std::shared_ptr<const re2::RE2>>> values;
};

// Remembers which elements each expander pattern (contains:, endswith:, ...)
// selects. The answer depends only on the element's names, tag and creator,
// and a corpus repeats the same elements in every file, so one memo per
// worker, kept across files, spares almost every regex search. Bound to the
// plan whose patterns it has seen; not shared between threads.
class PatternMemo {
public:
    explicit PatternMemo(const plan::Plan& plan) : plan_(&plan) {}
    [[nodiscard]] const plan::Plan* plan() const { return plan_; }
    // The remembered answer, or computes and remembers it.
    bool matches(const plan::PatternMatch& pattern, const ElementInfo& element);

private:
    // Pattern, nested name, private creator, tag. Looked up by views, so
    // that a hit (nearly every lookup) copies no string.
    using Key = std::tuple<const re2::RE2*, std::string, std::string, std::uint32_t>;
    using KeyView = std::tuple<const re2::RE2*, std::string_view, std::string_view, std::uint32_t>;
    static KeyView view(const KeyView& key) { return key; }
    static KeyView view(const Key& key) { return {std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key)}; }
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(const auto& key) const { return hash(view(key)); }
        static std::size_t hash(const KeyView& key);
    };
    struct KeyEqual {
        using is_transparent = void;
        bool operator()(const auto& a, const auto& b) const { return view(a) == view(b); }
    };
    // A top-level standard element (nearly every lookup) is known by its
    // tag alone: a key without strings to hash or compare.
    struct TagKey {
        const re2::RE2* regex = nullptr;
        std::uint32_t tag = 0;
        friend bool operator==(const TagKey&, const TagKey&) = default;
    };
    struct TagKeyHash {
        std::size_t operator()(const TagKey& key) const {
            return std::hash<const void*>{}(key.regex) ^ (std::size_t{key.tag} * 0x9e3779b97f4a7c15ULL);
        }
    };
    const plan::Plan* plan_;
    std::unordered_map<TagKey, bool, TagKeyHash> known_by_tag_;
    std::unordered_map<Key, bool, KeyHash, KeyEqual> known_;
};

// Whether `selector` picks `element` (spec §3.2). `values` are the element's
// current values (needed for values: groups only). `memo`, when given, must
// belong to the plan `selector` comes from.
bool selects(const plan::Selector& selector, const ElementInfo& element, const std::vector<std::string>& values,
             const GroupContents& groups, PatternMemo* memo = nullptr);

GroupContents compute_groups(const plan::Plan& plan, const DatasetView& dataset,
                             const std::vector<ElementInfo>& elements);

}  // namespace deid
