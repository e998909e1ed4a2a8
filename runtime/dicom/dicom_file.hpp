#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/io/file_system.hpp"
#include "runtime/io/staged_file.hpp"

class DcmFileFormat;

namespace deid {

struct LoadError {
    enum class Kind {
        not_dicom,   // neither Part 10 nor a recognisable bare dataset: skipped
        broken,      // DICOM that DCMTK cannot read to its end: a failure
        unreadable,  // the operating system refused (permission, I/O error): a failure
    };
    Kind kind = Kind::not_dicom;
    std::string reason;
    [[nodiscard]] bool is_failure() const { return kind != Kind::not_dicom; }
};

// Reads a whole DICOM file into memory: Part 10 (the "DICM" marker), or a
// bare dataset (no meta header) in explicit or implicit VR little endian or
// explicit big endian — accepted only when its first bytes really are
// elements (group 0002 or 0008 first, ascending tags, lengths that fit) and
// it has a SOPClassUID. Anything DCMTK reports while reading, on any
// element, pixel data included, makes the file broken: no half-read file is
// ever passed on.
std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path);

// A warning for a file that reads but looks cut short: an image (Rows and
// Columns, or an image storage SOP class) without pixel data. Header-only
// exports are legitimate; silence is not.
std::optional<std::string> missing_pixel_data(DcmFileFormat& file);

struct WriteSettings {
    bool replace = false;  // replace an existing target (else: WriteFailure::Kind::exists)
    bool sync = true;      // fsync before the rename
};

// Writes `file` to `target` as a Part 10 file: the meta header is updated from
// the dataset (MediaStorageSOP* follow SOPClassUID/SOPInstanceUID where the
// dataset has them, never invented; one is created for a bare dataset) and
// names deid as the implementation; the transfer syntax and pixel data
// bytes are kept. The file is written under a temporary name in the target
// folder (`.NAME.deid-partial`), every write checked, and left open: staged,
// for the caller to make durable and publish (runtime/io/staged_file.hpp).
// On any error the temporary is removed.
std::variant<StagedFile, WriteFailure> stage_dicom(DcmFileFormat& file, const std::filesystem::path& target,
                                                   FileSystem& files, bool replace);

// The largest output worth holding in memory. Holding saves a small file's
// creation and copy on the worker's time; for a large file they are a small
// share of its cost, and holding it would double its memory.
inline constexpr std::uint64_t kLargestHeldOutput = std::uint64_t{8} << 20U;

// What stage_dicom would write, held in memory instead (a HeldOutput) for
// the group committer to stage on its own thread, when it is at most
// `largest_held` bytes; else stage_dicom's staged file.
std::variant<PendingOutput, WriteFailure> stage_or_hold_dicom(DcmFileFormat& file, const std::filesystem::path& target,
                                                              FileSystem& files, bool replace,
                                                              std::uint64_t largest_held);

// stage_dicom, then synced (unless told not to), closed and only then
// renamed, so a final name always means a complete file: on any error the
// temporary is removed and the target left as it was.
std::optional<WriteFailure> save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target,
                                                  FileSystem& files, const WriteSettings& settings);

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
