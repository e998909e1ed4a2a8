#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

namespace deid {

// A file being written. Every call reports the operating system's error;
// nothing is assumed to have reached the disk until sync() and close()
// have both succeeded (a full disk often shows only at close, on NFS).
class WritableFile {
public:
    virtual ~WritableFile() = default;
    virtual std::error_code write(const void* bytes, std::size_t size) = 0;
    virtual std::error_code sync() = 0;   // fsync: the bytes are on the disk
    virtual std::error_code close() = 0;  // also done by the destructor, unchecked
};

// Writes `bytes` to `file` in calls of at most `piece` bytes (0: one call):
// the first error, or none. (Large single writes were measured slow on some machines;
// the callers say which piece size and why.)
std::error_code write_in_pieces(WritableFile& file, std::string_view bytes, std::size_t piece);

// Which file a path names: equal for two paths of one file (hard links,
// symbolic links).
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// Every file operation of a run that writes outputs goes through this small
// interface, so that tests can inject a full disk, a failed sync or a failed
// rename without a real disk (as ninja's DiskInterface does).
class FileSystem {
public:
    virtual ~FileSystem() = default;

    // Creates or truncates `path` for writing.
    virtual std::unique_ptr<WritableFile> create(const std::filesystem::path& path, std::error_code& error) = 0;
    // Opens `path` for appending whole lines, creating it if needed.
    virtual std::unique_ptr<WritableFile> append(const std::filesystem::path& path, std::error_code& error) = 0;
    // Renames `from` to `to` in one step. Unless `replace`, an existing `to`
    // is left alone and the error is `file_exists`, even when another
    // process created it a moment ago.
    virtual std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to,
                                   bool replace) = 0;
    virtual std::error_code remove(const std::filesystem::path& path) = 0;
    virtual std::error_code create_directories(const std::filesystem::path& path) = 0;
    // The file `path` names (following symbolic links), or nothing when
    // there is none.
    virtual std::optional<FileIdentity> identity(const std::filesystem::path& path) = 0;
};

// The real one: POSIX calls, renames with RENAME_NOREPLACE.
FileSystem& disk();

}  // namespace deid
