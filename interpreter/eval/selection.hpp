#pragma once

#include <set>
#include <string>
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

// Whether `selector` picks `element` (spec §3.2). `values` are the element's
// current values (needed for values: groups only).
bool selects(const plan::Selector& selector, const ElementInfo& element, const std::vector<std::string>& values,
             const GroupContents& groups);

GroupContents compute_groups(const plan::Plan& plan, const DatasetView& dataset,
                             const std::vector<ElementInfo>& elements);

}  // namespace deid
