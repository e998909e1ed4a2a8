#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "runtime/io/file_system.hpp"

namespace deid {

struct WriteFailure {
    enum class Kind { exists, io };
    Kind kind = Kind::io;
    std::string message;  // "cannot write OUT/x.dcm: No space left on device"
};

// An output written in full under a temporary name beside its target and
// still open: not yet on the disk, not yet under its final name. Its fsync
// is the caller's to make; only then does publish() give it its name.
// A StagedFile dropped before publish() or abandon() is abandoned: its
// temporary never outlives it.
struct StagedFile {
    StagedFile(std::filesystem::path temporary, std::filesystem::path target, bool replace, FileSystem& files)
        : temporary(std::move(temporary)), target(std::move(target)), replace(replace), files(&files) {}
    StagedFile(StagedFile&&) noexcept = default;
    StagedFile& operator=(StagedFile&&) = delete;  // would drop the staged file it replaces
    ~StagedFile();

    std::filesystem::path temporary;
    std::filesystem::path target;
    bool replace = false;  // an existing target is replaced (else: WriteFailure::Kind::exists)
    FileSystem* files;
    std::unique_ptr<WritableFile> file;  // open until published or abandoned
};

// Where an output is written before it has its final name: beside `target`,
// hidden (`.NAME.deid-partial`), so a crash leaves only names no reader
// takes for an output.
std::filesystem::path temporary_beside(const std::filesystem::path& target);

// Creates `target`'s folder and its temporary, open and empty: the first
// step of staging a file, however its bytes are then written.
std::variant<StagedFile, WriteFailure> open_staged(const std::filesystem::path& target, FileSystem& files,
                                                   bool replace);

// An output complete in memory and not yet written anywhere. A worker that
// hands one to the group committer goes on with its next input while the
// committer creates the file and copies the bytes, the two costs of writing
// a small file that are not the worker's own.
struct HeldOutput {
    std::string bytes;
    std::filesystem::path target;
    bool replace = false;  // an existing target is replaced (else: WriteFailure::Kind::exists)
    FileSystem* files = nullptr;
};

// Writes a held output under its temporary name: staged, as stage_dicom
// leaves a file. On any error the temporary is removed.
std::variant<StagedFile, WriteFailure> stage_held(const HeldOutput& held);

// An output on its way to its final name: written (staged) or still held.
using PendingOutput = std::variant<StagedFile, HeldOutput>;

// Closes the staged file and renames it to its target. On any failure the
// temporary is removed and the target left as it was.
std::optional<WriteFailure> publish(StagedFile& staged);

// Gives up a staged file: closed, its temporary removed; `message` is the
// failure's.
WriteFailure abandon(StagedFile& staged, std::string message);

// fsync: the bytes are on the disk. On failure the staged file is abandoned.
std::optional<WriteFailure> sync_staged(StagedFile& staged);

// sync_staged (when `sync`), then publish().
std::optional<WriteFailure> sync_and_publish(StagedFile& staged, bool sync);

}  // namespace deid
