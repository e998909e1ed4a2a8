#include "runtime/io/group_commit.hpp"

#include <set>
#include <utility>

namespace deid {

GroupCommitter::GroupCommitter(std::size_t most_per_batch)
    : most_per_batch_(most_per_batch == 0 ? 1 : most_per_batch), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
    {
        const std::lock_guard guard(lock_);
        stopping_ = true;
    }
    submitted_.notify_one();
    thread_.join();
}

void GroupCommitter::submit(StagedFile staged, Done done) {
    {
        const std::lock_guard guard(lock_);
        queue_.push_back(Pending{std::move(staged), std::move(done)});
    }
    submitted_.notify_one();
}

void GroupCommitter::run() {
    while (true) {
        std::deque<Pending> batch;
        {
            std::unique_lock guard(lock_);
            submitted_.wait(guard, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and nothing left
            }
            while (!queue_.empty() && batch.size() < most_per_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit(batch);
    }
}

void GroupCommitter::commit(std::deque<Pending>& batch) {
    // One syncfs per file system writes a batch of several back with one
    // journal commit. Then each file's fsync finds its data on the disk
    // already and costs little, and it is what reports a failed write-back
    // of that very file (since its descriptor was opened), on any kernel:
    // the syncfs's own result is not needed.
    // Only a speed-up: should it fail in any way, even for want of memory,
    // each file is still synced below, and the batch goes on.
    if (batch.size() > 1) {
        try {
            std::set<std::uint64_t> synced_devices;
            for (auto& pending : batch) {
                const auto identity = pending.staged.files->identity(pending.staged.temporary);
                if (identity && synced_devices.insert(identity->device).second) {
                    (void)pending.staged.file->sync_file_system();
                }
            }
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): each file's own sync follows
        }
    }
    for (auto& pending : batch) {
        std::optional<WriteFailure> failure;
        try {
            failure = sync_and_publish(pending.staged, true);
        } catch (const std::exception& error) {  // out of memory: the file fails, the batch goes on
            failure = WriteFailure{WriteFailure::Kind::io, error.what()};
        }
        pending.done(std::move(failure));
    }
}

}  // namespace deid
