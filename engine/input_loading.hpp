#pragma once

#include <memory>
#include <ostream>

#include "runtime/io/inputs.hpp"

class DcmFileFormat;

namespace deid {

// Loads one input of a command. When it cannot: a broken DICOM file is an
// error line and counts in `failed`; anything else is a "skipped" line.
// Returns null then.
std::unique_ptr<DcmFileFormat> load_input(const InputFile& input, std::ostream& err, std::size_t& failed);

}  // namespace deid
