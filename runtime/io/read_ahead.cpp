#include "runtime/io/read_ahead.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace deid {
namespace {

// Only a hint: a file that cannot be opened here fails later, where it is read.
void advise_will_need(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
        ::close(fd);
    }
}

}  // namespace

std::optional<InputFile> ReadAhead::next() {
    while (!walk_done_ && queued_.size() <= depth_) {
        auto file = walk_.next();
        if (!file) {
            walk_done_ = true;
            break;
        }
        if (file->problem.empty()) {
            advise_will_need(file->path);
        }
        queued_.push_back(std::move(*file));
    }
    if (queued_.empty()) {
        return std::nullopt;
    }
    InputFile file = std::move(queued_.front());
    queued_.pop_front();
    return file;
}

}  // namespace deid
