#pragma once

// The built-ins the confidentiality profiles (recipes/profiles/) are written
// with; registered with the others in builtins.cpp. Each returns a value
// whenever it is called, never "none": an option's REPLACE makes the basic
// profile's REMOVE of the same element step aside (spec §3.5), so a value
// left unchanged would be the original.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/builtins.hpp"

namespace deid::stdlib {

// D: a value valid for the VR (README, "Profiles"): "ANONYMIZED" for text,
// names, codes and AE titles, 19000101 (DA), 19000101000000 (DT), 000000 (TM),
// 000Y (AS), 0 for numbers, the bytes "ANONYMIZ" for binary VRs (a multiple
// of 8 bytes suits OB to OV). nullopt for a sequence.
std::optional<std::string> dummy_value(std::string_view vr);
// Every value dummy_value gives, for `deid verify` to pass over.
const std::vector<std::string>& dummy_values();

// U: "2.25." and the decimal value of a UUID (version 8) made of the first
// 16 bytes of SHA-256 of the UID or, with the run's pseudonym key, exactly
// hash_uid (stdlib/pseudonyms.hpp): the same input UID gives the same output
// in every file and run (and, keyed, nobody without the key can tell which
// input it came from by hashing candidates). Each value of a multi-valued
// UID maps alone; empty values stay empty.
std::string consistent_uid(std::string_view uid, std::string_view key);

std::optional<std::string> dummy_builtin(const BuiltinCall& call);
std::optional<std::string> consistent_uid_builtin(const BuiltinCall& call);
std::optional<std::string> shift_date_builtin(const BuiltinCall& call);
std::optional<std::string> clean_text_builtin(const BuiltinCall& call);

}  // namespace deid::stdlib
