#pragma once

// The algorithms of RSNA CTP's anonymizer functions (AnonymizerFunctions,
// DICOMAnonymizer and DigestUtil in johnperry/CTP and johnperry/Util),
// reproduced from their described behaviour so that a study de-identified
// partly by CTP and partly by deid stays linked: the same input gives the
// same output, character for character.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deid::stdlib::ctp {

// DigestUtil.getUSMD5: the MD5 digest of the text's bytes (UTF-8), read as
// an unsigned big-endian integer and written in decimal, without leading
// zeros.
std::string md5_decimal(std::string_view text);

// AnonymizerFunctions.hash: md5_decimal cut to `max_length` characters
// (below 1: not cut).
std::string hash(std::string_view text, std::int64_t max_length);

// AnonymizerFunctions.hashUID: `prefix` (trimmed, a '.' added unless it is
// empty or ends in one) + md5_decimal(uid), with a '9' before a digest that
// starts with '0', cut to 64 characters.
std::string hash_uid(std::string_view prefix, std::string_view uid);

// AnonymizerFunctions.hashName: the first `word_count` '^'-separated words
// (0 or less: all) joined, blanks, commas, apostrophes, '^' and '.' removed,
// upper-cased, then hash(…, length).
std::string hash_name(std::string_view name, std::int64_t length, std::int64_t word_count);

// AnonymizerFunctions.hashPtID: hash("[" + trim(site) + "]" + trim(id), max_length).
std::string hash_patient_id(std::string_view site, std::string_view patient_id, std::int64_t max_length);

// AnonymizerFunctions.incrementDate on one value: the date (YYYYMMDD, or
// YYYY-MM-DD when it holds a '-') read as CTP's lenient Java calendar reads
// it (a time after the date rolls days over), `days` added (as a Java int),
// written back in the same form followed by whatever the value held after
// the date. nullopt where CTP's parse throws (then CTP empties the element).
std::optional<std::string> increment_date(std::string_view date, std::int64_t days);

// AnonymizerFunctions.modifyDate on one value: year, month and day replaced
// where given (a negative value keeps the date's own).
std::optional<std::string> modify_date(std::string_view date, std::int64_t year, std::int64_t month, std::int64_t day);

// DICOMAnonymizer.hashdate's increment: the last four digits of
// md5_decimal(text) modulo 3650, negated; -1 instead of 0.
std::int64_t hashed_date_increment(std::string_view text);

// AnonymizerFunctions.initials: the first letter of each word of a name
// ('^', ',' and blanks separate words), the first word's moved to the end,
// upper-cased; "X" for an empty name.
std::string initials(std::string_view name);

// AnonymizerFunctions.encrypt(string, offset): a Caesar cipher within a-z,
// A-Z and 0-9.
std::string caesar(std::string_view text, std::int64_t offset);

// AnonymizerFunctions.round: an age ("047Y") rounded to bins of `width`,
// its letters kept, a '0' put before a result of odd length; "" for an empty
// age; nullopt where CTP's parse throws.
std::optional<std::string> round_age(std::string_view age, std::int64_t width);

// java.lang.String.trim: every character up to ' ' removed at both ends.
std::string_view java_trim(std::string_view text);

// java.lang.Integer.parseInt / Long.parseLong: an optional sign and decimal
// digits, nothing else; nullopt when out of range.
std::optional<std::int32_t> java_parse_int(std::string_view text);
std::optional<std::int64_t> java_parse_long(std::string_view text);

}  // namespace deid::stdlib::ctp
