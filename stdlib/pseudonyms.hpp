#pragma once

// Keyed pseudonyms (README, "Keyed pseudonyms"): every value is derived from
// the site's secret key with HMAC-SHA256, so the same original gives the
// same pseudonym in every file, batch and machine that has the key, and
// nobody without it can recompute one from a candidate original. Each use
// hashes its own purpose string first (domain separation): a UID and an ID
// with the same text never share a digest.
//
//   UID          HMAC(K, "deid uid" 0x00 UID)                   first 16 bytes, as a UUID version 8
//   ID           HMAC(K, "deid id" 0x00 PREFIX 0x00 VALUE)      base 32 (Crockford), LENGTH characters
//   date offset  HMAC(K, "deid date offset" 0x00 ID 0x00 ISSUER)  first 8 bytes mod the range's size
//   fingerprint  HMAC(K, "deid key fingerprint")                first 8 bytes, hex

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stdlib/builtins.hpp"

namespace deid::stdlib {

// A key is 32 bytes; anything else is refused where keys are read.
inline constexpr std::size_t kKeyBytes = 32;

// "2.25." + the decimal value of a UUID (version 8) made of the first 16
// bytes of the keyed hash of the UID: at most 44 characters. Each value of
// a multi-valued UID maps alone; empty values stay empty. Padding (blanks,
// NUL) does not take part.
std::string hash_uid(std::string_view uid, std::string_view key);

// hash_id's limits: base 32 carries 5 bits a character, a digest 256.
inline constexpr int kShortestId = 8;
inline constexpr int kLongestId = 51;
inline constexpr int kDefaultIdLength = 12;
inline constexpr std::size_t kLongestIdPrefix = 16;

// PREFIX + LENGTH characters of Crockford's base 32 (digits and capitals
// without I, L, O, U) of the keyed hash. "" for an empty value.
std::string hash_id(std::string_view value, std::string_view prefix, int length, std::string_view key);
// hash_id of the value of the element at `path` (a path id): the top-level
// PatientID is the patient's, so its IssuerOfPatientID takes part.
std::string hash_id_at(std::string_view path, std::string_view value, std::string_view issuer, std::string_view prefix,
                       int length, std::string_view key);
// Why `prefix` cannot be a hash_id prefix (a '\' would split the value, a
// control character has no place in an ID), or nothing.
std::optional<std::string> id_prefix_problem(std::string_view prefix);

// A range of whole days, both ends included, never containing 0 (a shift
// of 0 days would keep the dates).
struct DayRange {
    std::int64_t first = -3650;
    std::int64_t last = -365;
};
inline constexpr std::int64_t kLongestShiftDays = 36'500;
// "-365..-1" -> the range; nullopt for anything else (see day_range_problem).
std::optional<DayRange> parse_day_range(std::string_view text);
std::optional<std::string> day_range_problem(std::string_view text);

// The patient's date offset: one whole number of days in `range`, the same
// for every file of the patient (its original PatientID and
// IssuerOfPatientID) in every batch.
std::int64_t date_offset(std::string_view patient_id, std::string_view issuer, DayRange range, std::string_view key);

// 16 hex digits that name the key without revealing it.
std::string key_fingerprint(std::string_view key);

// The path id of the top-level PatientID, whose pseudonym is the patient's
// (PatientID and IssuerOfPatientID).
inline constexpr std::string_view kTopLevelPatientId = "(0010,0020)";

std::optional<std::string> hash_uid_builtin(const BuiltinCall& call);
std::optional<std::string> hash_id_builtin(const BuiltinCall& call);

}  // namespace deid::stdlib
