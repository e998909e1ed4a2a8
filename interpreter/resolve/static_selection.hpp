#pragma once

#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// Whether a selector selects a standard element standing at the top level of
// a dataset, decided from the recipe alone. `depends` where only the data
// can tell (values: groups).
enum class Selection { no, yes, depends };

Selection selects(const plan::Selector& selector, const DictionaryEntry& entry, const plan::Plan& plan);

// True when the selector picks the element by naming exactly it (a keyword,
// alias, tag or private-creator form) rather than by an expander.
bool is_plain(const plan::Selector& selector);

// Two plain selectors that name the same element.
bool same_element(const plan::Selector& a, const plan::Selector& b);

}  // namespace deid
