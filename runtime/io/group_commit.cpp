#include "runtime/io/group_commit.hpp"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

namespace deid {
namespace {

CommitSettings normalised(CommitSettings settings) {
    settings.most_per_batch = std::max<std::size_t>(settings.most_per_batch, 1);
    settings.most_concurrent_syncs = std::max<std::size_t>(settings.most_concurrent_syncs, 1);
    return settings;
}

}  // namespace

void GroupCommitter::Handoff::push(Pending pending) {
    {
        const std::lock_guard guard(lock_);
        waiting_.push_back(std::move(pending));
    }
    pushed_.notify_one();
}

void GroupCommitter::Handoff::push_all(std::deque<Pending>& pending) {
    if (pending.empty()) {
        return;
    }
    {
        const std::lock_guard guard(lock_);
        for (auto& one : pending) {
            waiting_.push_back(std::move(one));
        }
    }
    pending.clear();
    pushed_.notify_one();
}

std::deque<GroupCommitter::Pending> GroupCommitter::Handoff::take(std::size_t most) {
    std::unique_lock guard(lock_);
    pushed_.wait(guard, [&] { return ended_ || !waiting_.empty(); });
    std::deque<Pending> taken;
    while (!waiting_.empty() && taken.size() < most) {
        taken.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
    }
    return taken;
}

void GroupCommitter::Handoff::end() {
    {
        const std::lock_guard guard(lock_);
        ended_ = true;
    }
    pushed_.notify_one();
}

GroupCommitter::GroupCommitter(CommitSettings settings) : settings_(normalised(settings)) {
    writer_ = std::thread([this] { write_held_outputs(); });
    try {
        committer_ = std::thread([this] { commit_staged_files(); });
    } catch (...) {  // no thread to be had: the writer is stopped, not left waiting
        to_write_.end();
        writer_.join();
        throw;
    }
}

GroupCommitter::~GroupCommitter() {
    to_write_.end();
    writer_.join();  // it ends to_commit_ once it has handed on the last file
    committer_.join();
}

void GroupCommitter::submit(PendingOutput output, Done done) {
    if (const auto* held = std::get_if<HeldOutput>(&output)) {
        const std::size_t size = held->bytes.size();
        bool room = false;
        {
            const std::lock_guard guard(held_lock_);
            room = held_bytes_waiting_ == 0 || held_bytes_waiting_ + size <= settings_.most_held_bytes;
            if (room) {
                held_bytes_waiting_ += size;
            }
        }
        // No room: this one is written here, as if it had never been held.
        // Waiting for the writer would cost more, and memory stays bounded.
        if (!room) {
            if (auto failure = stage(output)) {
                done(std::move(failure));
                return;
            }
        }
    }
    to_write_.push(Pending{std::move(output), std::move(done), std::nullopt});
}

void GroupCommitter::write_held_outputs() {
    while (true) {
        auto taken = to_write_.take(settings_.most_per_batch);
        if (taken.empty()) {
            to_commit_.end();
            return;
        }
        std::deque<Pending> staged;  // handed on together: one batch to commit
        for (auto& pending : taken) {
            if (const auto* held = std::get_if<HeldOutput>(&pending.output)) {
                const std::size_t size = held->bytes.size();
                auto failure = stage(pending.output);
                {
                    const std::lock_guard guard(held_lock_);
                    held_bytes_waiting_ -= size;
                }
                if (failure) {
                    pending.done(std::move(failure));
                    continue;
                }
            }
            staged.push_back(std::move(pending));
        }
        to_commit_.push_all(staged);
    }
}

std::optional<WriteFailure> GroupCommitter::stage(PendingOutput& output) {
    try {
        auto written = stage_held(std::get<HeldOutput>(output));
        if (auto* staged = std::get_if<StagedFile>(&written)) {
            output.emplace<StagedFile>(std::move(*staged));  // the bytes are freed
            return std::nullopt;
        }
        return std::move(std::get<WriteFailure>(written));
    } catch (const std::exception& error) {  // out of memory: the file fails, the others go on
        return WriteFailure{WriteFailure::Kind::io, error.what()};
    }
}

void GroupCommitter::commit_staged_files() {
    while (true) {
        auto batch = to_commit_.take(settings_.most_per_batch);
        if (batch.empty()) {
            return;
        }
        commit(batch);
    }
}

void GroupCommitter::commit(std::deque<Pending>& batch) {
    if (settings_.sync) {
        sync_together(batch);
    }
    for (auto& pending : batch) {
        if (!pending.failure) {
            try {
                pending.failure = publish(std::get<StagedFile>(pending.output));
            } catch (const std::exception& error) {  // out of memory: the file fails, the batch goes on
                pending.failure = WriteFailure{WriteFailure::Kind::io, error.what()};
            }
        }
        pending.done(std::move(pending.failure));
    }
}

void GroupCommitter::sync_together(std::deque<Pending>& batch) {
    std::atomic<std::size_t> next = 0;
    auto sync_the_rest = [&] {
        for (std::size_t i = next++; i < batch.size(); i = next++) {
            auto& pending = batch[i];
            auto& staged = std::get<StagedFile>(pending.output);
            try {
                pending.failure = sync_staged(staged);
            } catch (const std::exception& error) {
                pending.failure = abandon(staged, error.what());
            }
        }
    };
    // A thread per fsync waiting, up to most_concurrent_syncs: started per
    // batch, they cost microseconds against a fsync's fraction of a
    // millisecond. One that cannot be started leaves its share to the others.
    std::vector<std::jthread> helpers;
    const std::size_t wanted = std::min(batch.size(), settings_.most_concurrent_syncs);
    for (std::size_t started = 1; started < wanted; ++started) {
        try {
            helpers.emplace_back(sync_the_rest);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): this thread syncs what is left
            break;
        }
    }
    sync_the_rest();
}  // the helpers are joined here

}  // namespace deid
