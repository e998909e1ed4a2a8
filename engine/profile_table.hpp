#pragma once

// DICOM PS3.15 Table E.1-1 as data (engine/generated/confidentiality_profile.inc,
// written by tools/generate_profiles.py with the recipes of recipes/profiles/):
// what the basic profile and each option do to an attribute. `deid verify`
// reads it to know which values must not survive.

#include <cstdint>
#include <string_view>

#include "engine/profiles.hpp"
#include "interpreter/dataset/dataset_view.hpp"

namespace deid {

// What deid's basic profile does to an attribute, the table's choices
// (X/Z, X/D, ...) already made (README, "Profiles").
enum class BasicRule {
    remove,
    blank,
    dummy,
    uid,
    keep_sequence,  // X/Z/U*
    keep,           // deid's rows for text the clean options clean (the table does not list it)
};

struct ProfileRow {
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    std::uint16_t group_mask = 0xFFFF;    // 0xFF01 for (50xx,....) and (60xx,....)
    std::uint16_t element_mask = 0xFFFF;  // 0 for (50xx,xxxx)
    std::string_view basic_action;        // as the table writes it: "X", "X/Z/D", ...
    BasicRule rule = BasicRule::remove;
    std::string_view option_actions;      // 'K', 'C' or '-' per ProfileOption
    std::string_view name;
};

// What happens to an element under a profile and its options.
enum class ProfileAction {
    remove,         // X
    blank,          // Z
    dummy,          // D
    uid,            // U
    keep_sequence,  // X/Z/U*: the sequence stays, its items are handled by their own rows
    keep,           // an option's K
    clean,          // an option's C
    not_listed,     // not in the table (and not private): kept
};

// The row of a standard or file meta element, or null when the table does
// not list it. Private elements have their own row (remove all).
const ProfileRow* find_profile_row(std::uint16_t group, std::uint16_t element);

// The action the profile with `profile`'s options takes on `element` (its
// own row; an option's K wins over a C, either over the basic action).
ProfileAction profile_action(const ElementInfo& element, const Profile& profile);

}  // namespace deid
