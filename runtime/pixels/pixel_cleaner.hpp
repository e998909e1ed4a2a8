#pragma once

#include <string>
#include <vector>

#include "interpreter/eval/filters.hpp"

class DcmFileFormat;

namespace deid {

struct CleanReport {
    std::string error;             // "" on success
    std::string note;              // e.g. "written uncompressed: DCMTK cannot re-encode JPEG 2000"
    std::size_t blanked_pixels = 0;  // per frame
};

// Decodes compressed pixel data in place (DCMTK's codecs; JPEG 2000 with
// OpenJPEG), keeping the original transfer syntax on record so that
// clean_pixels can re-encode in it. "" or the reason it cannot.
std::string decode_pixels(DcmFileFormat& file);

// Blacks out the regions of the matched LABELs (spec §4.1): a mask the size
// of one frame starts all ones, blank regions set 0 and keep regions set 1
// in recipe order (clipped to the image), and every frame and every sample
// is multiplied by it. Compressed pixel data is decoded first and
// re-encoded in its transfer syntax where DCMTK can do so losslessly; else
// it is written uncompressed and the report says so.
CleanReport clean_pixels(DcmFileFormat& file, const std::vector<FilterMatch>& matches);

}  // namespace deid
