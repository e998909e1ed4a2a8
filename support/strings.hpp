#pragma once

#include <string>
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

}  // namespace deid::grammar
