#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/io/staged_file.hpp"

namespace deid {

// Makes staged files durable and gives them their final names on a thread of
// its own, many at a time, as a database commits a group of transactions:
// while one batch is being synced, the next gathers. A batch is written back
// by one syncfs per file system (one journal commit) instead of a fsync per
// file waiting for its own, and the workers go on with the next inputs
// instead of waiting for the disk. The promise is that of a fsync per file,
// which each file still gets: it has its final name only once its bytes are
// on the disk; a file whose sync fails is not published, its temporary
// removed.
class GroupCommitter {
public:
    // Called once per submitted file, on the committer's thread, with the
    // failure or nothing once the file has its final name. Must not throw.
    using Done = std::function<void(std::optional<WriteFailure>)>;

    explicit GroupCommitter(std::size_t most_per_batch = 64);
    // Commits everything submitted, then stops.
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    void submit(StagedFile staged, Done done);

private:
    struct Pending {
        StagedFile staged;
        Done done;
    };
    void run();
    void commit(std::deque<Pending>& batch);

    const std::size_t most_per_batch_;
    std::mutex lock_;
    std::condition_variable submitted_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::thread thread_;  // last: started once the rest is ready
};

}  // namespace deid
