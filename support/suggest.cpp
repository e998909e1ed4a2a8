#include "support/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <tuple>

namespace deid {
namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Optimal string alignment distance, stopping early past `limit`.
std::size_t distance(std::string_view a, std::string_view b, std::size_t limit) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    if ((n > m ? n - m : m - n) > limit) {
        return limit + 1;
    }
    std::vector<std::size_t> before_previous(m + 1);
    std::vector<std::size_t> previous(m + 1);
    std::vector<std::size_t> current(m + 1);
    for (std::size_t j = 0; j <= m; ++j) {
        previous[j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        current[0] = i;
        std::size_t row_minimum = current[0];
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1])) {
                current[j] = std::min(current[j], before_previous[j - 2] + 1);
            }
            row_minimum = std::min(row_minimum, current[j]);
        }
        if (row_minimum > limit) {
            return limit + 1;
        }
        std::swap(before_previous, previous);
        std::swap(previous, current);
    }
    return previous[m];
}

}  // namespace

std::optional<std::string> closest_match(std::string_view misspelt, const std::vector<std::string>& candidates) {
    // One edit per four characters: "Modalty" -> Modality, "PatientsNme" ->
    // PatientName, but no wild guesses for short words.
    const std::size_t limit = std::max<std::size_t>(1, misspelt.size() / 4);
    const std::string* best = nullptr;
    std::tuple<std::size_t, std::size_t, std::string_view> best_key;
    for (const auto& candidate : candidates) {
        const std::size_t d = distance(misspelt, candidate, limit);
        if (d > limit) {
            continue;
        }
        const std::size_t length_gap =
            candidate.size() > misspelt.size() ? candidate.size() - misspelt.size() : misspelt.size() - candidate.size();
        const std::tuple<std::size_t, std::size_t, std::string_view> key{d, length_gap, candidate};
        if (best == nullptr || key < best_key) {
            best = &candidate;
            best_key = key;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return *best;
}

}  // namespace deid
