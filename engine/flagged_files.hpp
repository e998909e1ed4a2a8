#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "interpreter/eval/filters.hpp"

namespace deid {

// What becomes of a screened file (issue 5): cleaned where its LABELs give
// regions; never passed silently when flagged without any region.
enum class PixelVerdict {
    unchanged,   // not flagged
    clean,       // flagged, with regions to black out
    quarantine,  // flagged without regions: written to OUTDIR/quarantine/
    skip,        // flagged without regions, and --skip-flagged
};

struct ScreeningDecision {
    PixelVerdict verdict = PixelVerdict::unchanged;
    std::string notice;  // the line for standard output when flagged without regions
};

// A blacklist match wins over any region: a file some blacklist LABEL
// flags is quarantined (or skipped) even when a graylist LABEL would clean it.
ScreeningDecision decide(const FilterOutcome& outcome, const std::filesystem::path& input, bool skip_flagged);

// A file whose header says BurnedInAnnotation YES that no filter cleaned:
// in profile mode it is held in quarantine (or skipped), never written.
ScreeningDecision hold_burned_in(const std::filesystem::path& input, bool skip);

// The summary's last line when files went to OUTDIR/quarantine/: they keep
// their pixels, burned-in text and all, so that folder must not be released
// with the rest.
std::string quarantine_warning(std::string_view command, const std::filesystem::path& output_folder);

// Where a file goes under OUTDIR: quarantined files under quarantine/.
std::filesystem::path output_path(const std::filesystem::path& output_folder, const std::filesystem::path& relative,
                                  PixelVerdict verdict);

}  // namespace deid
