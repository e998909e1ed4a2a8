#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid {

// The text of a file given as rules (a recipe or a CTP script), or nullopt
// after one whole-file diagnostic: it cannot be read, is a folder, is binary
// (a NUL byte) or is larger than a recipe may be.
std::optional<std::string> read_rules_text(const std::filesystem::path& path, Diagnostics& diagnostics);

}  // namespace deid
