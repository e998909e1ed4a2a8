#pragma once

#include <cstdint>
#include <string>

namespace deid {

// Where a piece of recipe text came from. Lines and columns are 1-based and
// count bytes, like a compiler's; end_column is one past the last byte.
struct SourceSpan {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::uint32_t end_column = 0;

    friend bool operator==(const SourceSpan&, const SourceSpan&) = default;
};

}  // namespace deid
