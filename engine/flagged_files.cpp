#include "engine/flagged_files.hpp"

#include <algorithm>

namespace deid {

ScreeningDecision decide(const FilterOutcome& outcome, const std::filesystem::path& input, bool skip_flagged) {
    if (!outcome.flagged) {
        return {};
    }
    const bool has_regions = std::any_of(outcome.matches.begin(), outcome.matches.end(),
                                         [](const FilterMatch& match) { return !match.regions.empty(); });
    if (has_regions) {
        return {PixelVerdict::clean, ""};
    }
    const auto& first = outcome.matches.front();
    return {skip_flagged ? PixelVerdict::skip : PixelVerdict::quarantine,
            input.string() + ": flagged without regions to clean (" + first.group + " / " + first.label + ")" +
                (skip_flagged ? ": skipped\n" : ": quarantined\n")};
}

std::filesystem::path output_path(const std::filesystem::path& output_folder, const std::filesystem::path& relative,
                                  PixelVerdict verdict) {
    return verdict == PixelVerdict::quarantine ? output_folder / "quarantine" / relative : output_folder / relative;
}

}  // namespace deid
