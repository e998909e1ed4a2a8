#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace deid::ctp {

// The grammars of CTP scripts recurse on brackets, parentheses and braces;
// text nested deeper than this is refused before parsing, so that no input
// can exhaust the stack.
inline constexpr std::size_t kDeepestNesting = 64;

// The offset of the first opening character that goes deeper than
// kDeepestNesting, if any.
inline std::optional<std::size_t> nesting_too_deep(std::string_view text) {
    std::size_t depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '(' || c == '[' || c == '{') {
            if (++depth > kDeepestNesting) {
                return i;
            }
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

}  // namespace deid::ctp
