#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include "runtime/io/inputs.hpp"

namespace deid {

// Hands out the walk's files a few ahead of time, asking the kernel to read
// each one into the page cache as it joins the queue (posix_fadvise
// WILLNEED). A batch over a cold folder otherwise waits for the disk on
// every file; now the reads of the next files overlap the work on this one.
class ReadAhead {
public:
    ReadAhead(InputWalk& walk, std::size_t depth) : walk_(walk), depth_(depth) {}

    std::optional<InputFile> next();

private:
    InputWalk& walk_;
    std::size_t depth_;
    std::deque<InputFile> queued_;
    bool walk_done_ = false;
};

}  // namespace deid
