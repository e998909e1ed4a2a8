#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace deid {

[[nodiscard]] bool is_word_char(char c);
[[nodiscard]] std::string_view trim(std::string_view text);
[[nodiscard]] std::string to_lower(std::string_view text);
[[nodiscard]] std::string to_upper(std::string_view text);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
// "x" -> x ; 'x' -> x ; anything else unchanged.
[[nodiscard]] std::string unquote(std::string_view text);
// The established tool splits a value on blanks (quoted parts kept whole) and
// joins the parts with one space; values mean the same here.
[[nodiscard]] std::string collapse_blanks_outside_quotes(std::string_view text);

// A whole number written in full ("-400", "+3"); nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text);

// DICOM multi-valued strings: values separated by '\'.
[[nodiscard]] std::vector<std::string> split_multi_value(std::string_view text);
[[nodiscard]] std::string join_multi_value(const std::vector<std::string>& values);

// `value` as upper-case hex, zero-padded to `digits` ("0010", "00100010").
[[nodiscard]] std::string hex_digits(std::uint32_t value, int digits);

}  // namespace deid::grammar
