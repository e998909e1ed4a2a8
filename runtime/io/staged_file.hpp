#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "runtime/io/file_system.hpp"

namespace deid {

struct WriteFailure {
    enum class Kind { exists, io };
    Kind kind = Kind::io;
    std::string message;  // "cannot write OUT/x.dcm: No space left on device"
};

// An output written in full under a temporary name beside its target and
// still open: not yet on the disk, not yet under its final name. What makes
// it durable is the caller's choice (one fsync, or one syncfs for many);
// only then does publish() give it its name.
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

// Closes the staged file and renames it to its target. On any failure the
// temporary is removed and the target left as it was.
std::optional<WriteFailure> publish(StagedFile& staged);

// Gives up a staged file: closed, its temporary removed; `message` is the
// failure's.
WriteFailure abandon(StagedFile& staged, std::string message);

// fsync (when `sync`), then publish().
std::optional<WriteFailure> sync_and_publish(StagedFile& staged, bool sync);

}  // namespace deid
