#include "runtime/io/paths.hpp"

#include <algorithm>
#include <system_error>

namespace deid {

std::filesystem::path normalised_path(const std::filesystem::path& path) {
    std::error_code error;
    const auto absolute = std::filesystem::absolute(path, error);
    auto normal = std::filesystem::weakly_canonical(error ? path : absolute, error);
    if (error) {
        normal = absolute.lexically_normal();
    }
    // weakly_canonical keeps the separator of "out/" when "out" does not exist yet.
    while (!normal.has_filename() && normal.has_relative_path()) {
        normal = normal.parent_path();
    }
    return normal;
}

bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    const auto [outer_end, inner_end] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return outer_end == outer.end();
}

}  // namespace deid
