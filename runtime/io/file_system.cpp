#include "runtime/io/file_system.hpp"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>  // renameat2 (glibc 2.28)

namespace deid {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

class PosixFile final : public WritableFile {
public:
    explicit PosixFile(int descriptor) : descriptor_(descriptor) {}
    ~PosixFile() override { (void)close(); }
    PosixFile(const PosixFile&) = delete;
    PosixFile& operator=(const PosixFile&) = delete;

    std::error_code write(const void* bytes, std::size_t size) override {
        const auto* next = static_cast<const char*>(bytes);
        while (size > 0) {
            const ssize_t written = ::write(descriptor_, next, size);
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return last_error();
            }
            next += written;
            size -= static_cast<std::size_t>(written);
        }
        return {};
    }

    std::error_code sync() override { return ::fsync(descriptor_) == 0 ? std::error_code{} : last_error(); }

    std::error_code close() override {
        if (descriptor_ < 0) {
            return {};
        }
        // Linux releases the descriptor even when close fails: never retried.
        const int result = ::close(std::exchange(descriptor_, -1));
        return result == 0 ? std::error_code{} : last_error();
    }

private:
    int descriptor_;
};

class PosixFileSystem final : public FileSystem {
public:
    std::unique_ptr<WritableFile> create(const std::filesystem::path& path, std::error_code& error) override {
        return open(path, O_WRONLY | O_CREAT | O_TRUNC, error);
    }

    std::unique_ptr<WritableFile> append(const std::filesystem::path& path, std::error_code& error) override {
        return open(path, O_WRONLY | O_CREAT | O_APPEND, error);
    }

    std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to, bool replace) override {
        if (replace) {
            return ::rename(from.c_str(), to.c_str()) == 0 ? std::error_code{} : last_error();
        }
        if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
            return {};
        }
        if (errno != EINVAL && errno != ENOSYS) {
            return last_error();
        }
        // A file system without RENAME_NOREPLACE: a hard link fails on an
        // existing name just as atomically.
        if (::link(from.c_str(), to.c_str()) == 0) {
            ::unlink(from.c_str());
            return {};
        }
        if (errno == EEXIST) {
            return last_error();
        }
        // Neither (vfat and the like): the check and the rename are two steps.
        struct stat status {};
        if (::lstat(to.c_str(), &status) == 0) {
            return std::make_error_code(std::errc::file_exists);
        }
        return ::rename(from.c_str(), to.c_str()) == 0 ? std::error_code{} : last_error();
    }

    std::error_code remove(const std::filesystem::path& path) override {
        std::error_code error;
        std::filesystem::remove(path, error);
        return error;
    }

    std::error_code create_directories(const std::filesystem::path& path) override {
        std::error_code error;
        std::filesystem::create_directories(path, error);
        return error;
    }

    std::optional<FileIdentity> identity(const std::filesystem::path& path) override {
        struct stat status {};
        if (::stat(path.c_str(), &status) != 0) {
            return std::nullopt;
        }
        return FileIdentity{static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino)};
    }

private:
    static std::unique_ptr<WritableFile> open(const std::filesystem::path& path, int flags, std::error_code& error) {
        const int descriptor = ::open(path.c_str(), flags | O_CLOEXEC, 0666);  // the umask decides
        if (descriptor < 0) {
            error = last_error();
            return nullptr;
        }
        error.clear();
        return std::make_unique<PosixFile>(descriptor);
    }
};

}  // namespace

std::error_code write_in_pieces(WritableFile& file, std::string_view bytes, std::size_t piece) {
    const std::size_t step = piece > 0 ? piece : bytes.size();  // 0: one call, never a loop without end
    for (std::size_t done = 0; done < bytes.size(); done += step) {
        const auto part = bytes.substr(done, step);
        if (auto error = file.write(part.data(), part.size())) {
            return error;
        }
    }
    return {};
}

FileSystem& disk() {
    static PosixFileSystem instance;
    return instance;
}

}  // namespace deid
