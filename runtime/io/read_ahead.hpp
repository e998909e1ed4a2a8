#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <vector>

#include "runtime/io/inputs.hpp"

namespace deid {

// Hands out the walk's files a few ahead of time, so that the kernel can
// read the next files into the page cache while the current ones are being
// worked on: a batch over a cold folder otherwise waits for the disk on
// every file. next() is cheap (the batch calls it under its lock); the
// caller asks for the reads with read_ahead(), outside the lock, since
// starting them may block.
class ReadAhead {
public:
    struct Taken {
        InputFile file;
        std::vector<std::filesystem::path> to_read_ahead;  // the files that just joined the queue
    };

    ReadAhead(InputWalk& walk, std::size_t depth) : walk_(walk), depth_(depth) {}

    std::optional<Taken> next();

private:
    InputWalk& walk_;
    std::size_t depth_;
    std::deque<InputFile> queued_;
    bool walk_done_ = false;
};

// Asks the kernel to read the first `bytes` of the file (0: all of it) into
// the page cache (posix_fadvise WILLNEED). Only a hint: a file that cannot
// be opened here fails later, where it is read.
void read_ahead(const std::filesystem::path& path, std::uint64_t bytes);

}  // namespace deid
