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

struct CommitSettings {
    bool sync = true;                 // fsync each file before its rename (else --no-fsync: renamed unsynced)
    std::size_t most_per_batch = 64;  // files committed together
    // fsyncs of a batch waiting at once: a journaling file system joins
    // concurrent fsyncs into one commit, and the kernel joins their flushes
    // of the disk's cache (ext4 without a journal gets only the latter).
    std::size_t most_concurrent_syncs = 8;
    // Bytes of held outputs handed to the writer and not yet written: a
    // held output beyond them is written by the worker that submits it (one
    // is always handed on when no bytes wait, however large). A queue lets a
    // worker go on while the writer is slowed by a file's creation; the
    // budget keeps memory bounded. Measured 2026-12-02 (put --profile basic
    // -j1, 1,000 small files in the page cache, with a batch window of 32):
    // 0.81-0.83 s with 16 MiB, against 0.93 s with room for one output only;
    // 4, 8 and 16 MiB within this machine's noise of each other (0.85, 0.80,
    // 0.83 s). Before held outputs were written in pieces, a queue had been
    // slower.
    std::size_t most_held_bytes = std::size_t{8} << 20U;
};

// Writes held outputs, makes staged files durable and gives them their final
// names on threads of its own while the workers go on with the next inputs.
// Two threads, so that neither step waits for the other. One writes held
// outputs: a small file's creation and copy are then not a worker's to pay
// for, as long as the writer keeps up. The other commits many files at a
// time, as a database commits a group of transactions: while one batch is
// being synced, the next gathers. A batch's files are fsynced all at once,
// each by a thread of its own, so that they share journal commits and
// flushes of the disk's cache instead of paying one each, then
// renamed in the order they came. Each file still gets its own fsync, which
// is what reports a failed write-back of that very file: it has its final
// name only once its bytes are on the disk; a file whose write or sync fails
// is not published, its temporary removed.
class GroupCommitter {
public:
    // Called once per submitted file, on one of the committer's threads,
    // with the failure or nothing once the file has its final name. Must not
    // throw.
    using Done = std::function<void(std::optional<WriteFailure>)>;

    explicit GroupCommitter(CommitSettings settings = {});
    // Commits everything submitted, then stops.
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    // Hands on an output. A held one is written here, on the caller's
    // thread, when the writer's queue has no room for it (`done` is called
    // here too if that fails): a worker never waits for the writer.
    void submit(PendingOutput output, Done done);

private:
    struct Pending {
        PendingOutput output;
        Done done;
        std::optional<WriteFailure> failure;  // its sync's: kept with it, so a batch needs no memory for them
    };
    // Files handed from one thread to the next, taken a batch at a time.
    class Handoff {
    public:
        void push(Pending pending);
        void push_all(std::deque<Pending>& pending);  // at once: taken together
        // Waits for files or the end; nothing once ended and empty.
        std::deque<Pending> take(std::size_t most);
        void end();

    private:
        std::mutex lock_;
        std::condition_variable pushed_;
        std::deque<Pending> waiting_;
        bool ended_ = false;
    };

    void write_held_outputs();
    // Writes a held output: staged, or its failure.
    static std::optional<WriteFailure> stage(PendingOutput& output);
    void commit_staged_files();
    void commit(std::deque<Pending>& batch);
    void sync_together(std::deque<Pending>& batch);

    const CommitSettings settings_;
    std::mutex held_lock_;
    std::size_t held_bytes_waiting_ = 0;  // of held outputs handed to the writer, not yet written
    Handoff to_write_;
    Handoff to_commit_;
    std::thread writer_;     // started once the rest is ready
    std::thread committer_;
};

}  // namespace deid
