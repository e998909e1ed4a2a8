#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stdlib/identifying_text.hpp"

namespace deid::stdlib {

// What a run and a file give the built-ins beyond the element they compute
// a value for. The profile's built-ins need it: an option's action runs
// after the basic profile has already blanked or replaced the element, so
// `clean_text` and `shift_date` read the value it had before any action,
// and `clean_text` removes the identifying values found elsewhere in the
// same file. The caller builds it per file; pointers may be null.
struct BuiltinContext {
    // The run's pseudonym key; empty until keyed pseudonyms give one, and
    // then `consistent_uid` and `shift_date` are derived from it.
    std::string_view pseudonym_key;
    // The run's date shift for `shift_date`, in days (never 0 in a run).
    std::int64_t date_shift_days = 0;
    // Each element's value before any action ('\'-joined), by path id.
    const std::unordered_map<std::string, std::string>* originals = nullptr;
    // The file's identifying values, as `clean_text` removes them.
    const std::vector<IdentifyingToken>* identifying = nullptr;
};

}  // namespace deid::stdlib
