#include "runtime/io/read_ahead.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace deid {

void read_ahead(const std::filesystem::path& path, std::uint64_t bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::posix_fadvise(fd, 0, static_cast<off_t>(bytes), POSIX_FADV_WILLNEED);
        ::close(fd);
    }
}

std::optional<ReadAhead::Taken> ReadAhead::next() {
    std::vector<std::filesystem::path> joined;  // all of the queue on the first call, then one a call
    while (!walk_done_ && queued_.size() <= depth_) {
        auto file = walk_.next();
        if (!file) {
            walk_done_ = true;
            break;
        }
        if (file->problem.empty()) {
            joined.push_back(file->path);
        }
        queued_.push_back(std::move(*file));
    }
    if (queued_.empty()) {
        return std::nullopt;
    }
    Taken taken{std::move(queued_.front()), std::move(joined)};
    queued_.pop_front();
    return taken;
}

}  // namespace deid
