#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deid {

// The candidate closest to a misspelt word, for "did you mean ...?", or
// nullopt when none is close enough to be a plausible intent. Compared
// case-insensitively by optimal string alignment distance (Levenshtein plus
// transpositions); ties go to the candidate of nearest length, then the
// alphabetically first, so suggestions are deterministic.
std::optional<std::string> closest_match(std::string_view misspelt, const std::vector<std::string>& candidates);

}  // namespace deid
