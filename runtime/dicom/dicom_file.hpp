#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

class DcmFileFormat;

namespace deid {

struct LoadError {
    std::string reason;
    // True for a file that claims to be DICOM (the "DICM" marker) but cannot
    // be read: a failure. False for anything else: not DICOM, skipped.
    bool claims_dicom = false;
};

// Reads a DICOM file: Part 10, or a bare dataset (no meta header) in
// explicit or implicit VR little endian or explicit big endian, that has a
// SOPClassUID.
std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path);

// Writes `file` to `target` as a Part 10 file: the meta header is updated from
// the dataset (MediaStorageSOP* follow SOPClassUID/SOPInstanceUID where the
// dataset has them, never invented; one is created for a bare dataset) and
// names deid as the implementation; the transfer syntax and pixel data
// bytes are kept. The file is written under
// a temporary name in the target folder and renamed on success, so no
// half-written file ever carries the final name. Returns an error text or "".
std::string save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target);

// After de-identification: where the recipe removed or blanked SOPClassUID
// or SOPInstanceUID, the meta header must not keep the original value
// either: its copy is emptied. Returns the keywords of the dataset UIDs that
// have no value now though they had before (`had_class`, `had_instance`).
std::vector<std::string> drop_orphaned_meta_uids(DcmFileFormat& file, bool had_class, bool had_instance);

// Elements of the groups DICOM forbids (0001, 0003, 0005, 0007 and FFFF,
// PS3.5 §7.1) cannot be written legally, and what they hold is anyone's
// guess: they are removed, at any depth of the dataset. Returns the path id
// of each removed element (an element inside a removed one is not listed).
std::vector<std::string> drop_illegal_group_elements(DcmFileFormat& file);

// The warning a command gives for one element drop_illegal_group_elements removed.
std::string illegal_group_warning(const std::string& path);

// A DICOMDIR (media storage directory): its records point at byte offsets
// and name patients, so it is rebuilt after de-identification, never copied.
bool is_media_directory(DcmFileFormat& file);

// Whether the dataset has SOPClassUID / SOPInstanceUID with a value.
bool has_sop_class_uid(DcmFileFormat& file);
bool has_sop_instance_uid(DcmFileFormat& file);

}  // namespace deid
