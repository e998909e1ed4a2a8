#pragma once

#include <string>

class DcmDataset;

namespace deid {

// DCMTK as Debian ships it has no JPEG 2000 codec, so JPEG 2000 pixel data
// (both transfer syntaxes) is decoded with OpenJPEG into native pixel data,
// one frame per fragment (or all fragments of a single frame). Colour
// transforms (YBR_RCT / YBR_ICT) are undone, leaving RGB. Afterwards the
// dataset holds an uncompressed representation DCMTK can write in explicit
// VR little endian. Returns "" or the reason it could not.
std::string decode_jpeg2000(DcmDataset& dataset);

}  // namespace deid
