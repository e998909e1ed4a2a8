#include "engine/flagged_files.hpp"

#include <algorithm>

namespace deid {

ScreeningDecision decide(const FilterOutcome& outcome, const std::filesystem::path& input, bool skip_flagged) {
    if (!outcome.flagged) {
        return {};
    }
    const auto blacklisted = std::find_if(outcome.matches.begin(), outcome.matches.end(),
                                          [](const FilterMatch& match) { return match.group == "blacklist"; });
    const bool has_regions = std::any_of(outcome.matches.begin(), outcome.matches.end(),
                                         [](const FilterMatch& match) { return !match.regions.empty(); });
    if (has_regions && blacklisted == outcome.matches.end()) {
        return {PixelVerdict::clean, ""};
    }
    const auto& named = blacklisted != outcome.matches.end() ? *blacklisted : outcome.matches.front();
    const std::string why = has_regions ? "flagged by the blacklist, which regions do not clear" : "flagged without regions to clean";
    return {skip_flagged ? PixelVerdict::skip : PixelVerdict::quarantine,
            input.string() + ": " + why + " (" + named.group + " / " + named.label + ")" +
                (skip_flagged ? ": skipped\n" : ": quarantined\n")};
}

ScreeningDecision hold_burned_in(const std::filesystem::path& input, bool skip) {
    return {skip ? PixelVerdict::skip : PixelVerdict::quarantine,
            input.string() + ": BurnedInAnnotation YES and no filter cleaned it (use --clean-pixels with a recipe "
                             "whose graylist knows the layout)" + (skip ? ": skipped\n" : ": quarantined\n")};
}

std::string quarantine_warning(std::string_view command, const std::filesystem::path& output_folder) {
    return std::string(command) + ": " + (output_folder / "quarantine").string() +
           " holds files set aside for review: their pixels may show identifying text. It is not de-identified "
           "output: keep it apart from what you release.\n";
}

std::filesystem::path output_path(const std::filesystem::path& output_folder, const std::filesystem::path& relative,
                                  PixelVerdict verdict) {
    return verdict == PixelVerdict::quarantine ? output_folder / "quarantine" / relative : output_folder / relative;
}

}  // namespace deid
