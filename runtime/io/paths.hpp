#pragma once

#include <filesystem>

namespace deid {

// A path as the run compares paths: absolute, `.` and `..` resolved,
// symbolic links followed as far as the path exists, and no trailing
// separator ("out/" and "out" are one folder).
std::filesystem::path normalised_path(const std::filesystem::path& path);

// Whether `inner` is `outer` or lies under it, both normalised.
bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer);

}  // namespace deid
