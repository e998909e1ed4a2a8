#pragma once

// RSNA CTP's DicomPixelAnonymizer script: free text, then signatures, each a
// condition in braces followed by the regions to blank, `(x,y,w,h)`:
//
//   GE
//    CT Dose Series
//     { CodeMeaning.containsIgnoreCase("IEC Body Dosimetry Phantom") }
//     (0,0,512,200)
//
// CTP (PixelScript) takes every `{...}` as a signature and every `(...)`
// between it and the next as a region; text elsewhere is comment. A region
// that is no four integers is skipped, as CTP skips it.

#include <cstdint>
#include <string>
#include <vector>

#include "grammar/ctp/condition.hpp"

namespace deid::ctp {

struct PixelRegion {
    std::int64_t x = 0;
    std::int64_t y = 0;
    std::int64_t width = 0;
    std::int64_t height = 0;
    TextRange range;
};

struct PixelSignature {
    // The last line of free text before the signature (the heading CTP's
    // library gives it), or the previous signature's when there is none.
    std::string name;
    std::string condition_text;
    TextRange condition_range;  // inside the braces
    std::vector<PixelRegion> regions;
    TextRange range;            // the braces
};

struct PixelScript {
    std::vector<PixelSignature> signatures;
    std::vector<ScriptError> errors;    // the file cannot be read as a pixel script
    std::vector<ScriptError> warnings;  // parts CTP skips
};

PixelScript read_pixel_script(std::string_view text);

}  // namespace deid::ctp
