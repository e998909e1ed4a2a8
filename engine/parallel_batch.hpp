#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "engine/progress.hpp"
#include "engine/walk_order_turns.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/io/open_files.hpp"
#include "runtime/io/read_ahead.hpp"

namespace deid {

// Worker threads for a batch: 0 means one per core.
inline unsigned worker_count(unsigned requested) {
    return std::max(1U, requested == 0 ? std::thread::hardware_concurrency() : requested);
}

// The files a progress display counts down from: one more walk over the
// folders (names only), skipped when nothing is displayed.
inline std::size_t progress_total(ProgressStyle style, const std::vector<std::filesystem::path>& inputs,
                                  const InputWalk::Filter& keep = {}) {
    return style == ProgressStyle::none ? 0 : count_inputs(inputs, keep);
}

// How much of each upcoming file a batch asks the kernel to read ahead:
// commands that only read headers (get, inspect) need the start of a file;
// commands that write files out need all of it, but asking for all of a
// large multi-frame file would queue its reads ahead of the file being
// worked on, so the kernel's own sequential read-ahead does the rest.
inline constexpr std::uint64_t kHeaderReadAhead = 1 << 20;
inline constexpr std::uint64_t kWholeFileReadAhead = 4 << 20;

struct BatchSettings {
    unsigned jobs = 0;  // 0: one per core
    std::uint64_t read_ahead_bytes = kWholeFileReadAhead;  // of each upcoming file
    std::size_t open_file_limit = 0;                       // 0: the process's (open_file_limit())
    WalkOrderTurns* turns = nullptr;                       // each file's turn ends once its start() returns
};

// Runs `start(worker, input, complete)` for every file of the walk on `jobs`
// threads, each with its own `make_worker()` state (a Lua state, a pattern
// memo). A file is done when `complete(result)` is called, once: by `start`
// itself, or later from another thread (an output waiting for the disk);
// `start` may throw only before it has called or handed on `complete`, and
// nothing may use the input once `complete` is called.
// The results are handed to `deliver(input, result)` one at a time and in
// walk order, so that whatever the command prints is the same for any number
// of workers. A worker never runs more than a window of files ahead of the
// oldest one not yet delivered: memory stays bounded by the files in flight,
// whatever the size of the corpus. Returns once every file started is
// delivered.
// A file's failure belongs in its result; an exception (out of memory, a
// Lua state that cannot be made) stops the batch and is rethrown here once
// every worker has stopped and every file started is complete, never left
// to end the process from a thread.
template <typename Result, typename MakeWorker, typename Start, typename Deliver>
void run_in_parallel_deferred(InputWalk& walk, const BatchSettings& settings, MakeWorker make_worker, Start start,
                              Deliver deliver) {
    const unsigned jobs = worker_count(settings.jobs);
    using Worker = decltype(make_worker());
    // At least 32: with few workers, a window of 8 per worker left the one
    // worker of -j1 waiting for the group committer's fsyncs (measured with
    // the writer's queue, put --profile basic -j1 on 1,000 small files in
    // the page cache: 0.81-0.83 s against 1.00 s with a window of 8).
    // At most half the files the process may open: a file in flight holds
    // one open at most (its input while it is read, its output until it is
    // synced), so many workers or a low `ulimit -n` never fail files with
    // "Too many open files"; workers beyond the window wait.
    const std::size_t open_files = settings.open_file_limit != 0 ? settings.open_file_limit : open_file_limit();
    const std::size_t window = std::min(std::max<std::size_t>(8 * static_cast<std::size_t>(jobs), 32),
                                        std::max<std::size_t>(open_files / 2, 1));

    std::mutex lock;  // guards everything below but the read-ahead's files
    std::condition_variable delivered_more;
    std::size_t next_index = 0;
    std::size_t next_to_deliver = 0;
    // The inputs started and not yet delivered (a map: a reference to one
    // stays valid while others come and go), and the results finished out of
    // order.
    std::map<std::size_t, InputFile> in_flight;
    std::map<std::size_t, Result> waiting;
    std::size_t completed = 0;   // files whose complete() was called, or whose start() threw
    std::exception_ptr failure;  // the first exception: the batch stops, it is rethrown
    ReadAhead files(walk, 2 * static_cast<std::size_t>(jobs));

    auto record_failure = [&] {
        if (!failure) {
            failure = std::current_exception();
        }
    };
    auto complete_for = [&](std::size_t index) {
        return [&, index](Result result) {
            const std::lock_guard guard(lock);
            ++completed;
            try {
                if (!failure) {  // after one, nothing more is delivered
                    waiting.emplace(index, std::move(result));
                }
                while (!failure && !waiting.empty() && waiting.begin()->first == next_to_deliver) {
                    deliver(std::as_const(in_flight.at(next_to_deliver)), std::as_const(waiting.begin()->second));
                    waiting.erase(waiting.begin());
                    in_flight.erase(next_to_deliver);
                    ++next_to_deliver;
                }
            } catch (...) {
                record_failure();
            }
            delivered_more.notify_all();
        };
    };

    auto work = [&] {
        try {
            Worker worker = make_worker();
            while (true) {
                std::size_t index = 0;
                InputFile* input = nullptr;
                std::optional<ReadAhead::Taken> taken;
                {
                    std::unique_lock guard(lock);
                    delivered_more.wait(guard, [&] { return failure || next_index < next_to_deliver + window; });
                    if (failure || !(taken = files.next())) {
                        return;
                    }
                    index = next_index++;
                    input = &in_flight.emplace(index, std::move(taken->file)).first->second;
                    input->walk_index = index;
                }
                for (const auto& upcoming : taken->to_read_ahead) {
                    read_ahead(upcoming, settings.read_ahead_bytes);
                }
                try {
                    start(worker, std::as_const(*input), complete_for(index));
                } catch (...) {
                    if (settings.turns != nullptr) {
                        settings.turns->end_turn(index);
                    }
                    // Before it handed `complete` on (the contract): this file is done.
                    const std::lock_guard guard(lock);
                    ++completed;
                    throw;
                }
                if (settings.turns != nullptr) {
                    settings.turns->end_turn(index);
                }
            }
        } catch (...) {
            const std::lock_guard guard(lock);
            record_failure();
            delivered_more.notify_all();
        }
    };
    {
        std::vector<std::jthread> workers;
        for (unsigned j = 1; j < jobs; ++j) {
            workers.emplace_back(work);
        }
        work();
    }
    {
        std::unique_lock guard(lock);
        delivered_more.wait(guard, [&] { return completed == next_index; });
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

// run_in_parallel_deferred for commands whose files are done when
// `process(worker, input)` returns their result.
template <typename MakeWorker, typename Process, typename Deliver>
void run_in_parallel(InputWalk& walk, const BatchSettings& settings, MakeWorker make_worker, Process process,
                     Deliver deliver) {
    using Worker = decltype(make_worker());
    using Result = decltype(process(std::declval<Worker&>(), std::declval<const InputFile&>()));
    run_in_parallel_deferred<Result>(
        walk, settings, std::move(make_worker),
        [&](Worker& worker, const InputFile& input, auto complete) { complete(process(worker, input)); }, deliver);
}

}  // namespace deid
