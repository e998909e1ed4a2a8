#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

class DcmFileFormat;

namespace deid {

struct LoadError {
    std::string reason;
};

// Reads a DICOM file (Part 10, or a bare dataset DCMTK recognises).
std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path);

// Writes `file` to `target` as a valid Part 10 file: the meta header is built
// anew from the dataset (MediaStorageSOP* follow SOPClassUID/SOPInstanceUID),
// the transfer syntax and pixel data bytes are kept. The file is written under
// a temporary name in the target folder and renamed on success, so no
// half-written file ever carries the final name. Returns an error text or "".
std::string save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target);

}  // namespace deid
