#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/io/inputs.hpp"

namespace deid {

// Worker threads for a batch: 0 means one per core.
inline unsigned worker_count(unsigned requested) {
    return std::max(1U, requested == 0 ? std::thread::hardware_concurrency() : requested);
}

// Runs `process(worker, input)` for every input on `jobs` threads, each with
// its own `make_worker()` state (a Lua state, a pattern memo), and hands the
// results to `deliver(input, result)` one at a time and in input order, so
// that whatever the command prints is the same for any number of workers.
// A worker never runs more than a window of files ahead of the oldest one
// not yet delivered: memory stays bounded by the files in flight.
// `process` must not throw: a file's failure is part of its result.
template <typename MakeWorker, typename Process, typename Deliver>
void run_in_parallel(const std::vector<InputFile>& inputs, unsigned jobs, MakeWorker make_worker, Process process,
                     Deliver deliver) {
    using Worker = decltype(make_worker());
    using Result = decltype(process(std::declval<Worker&>(), inputs.front()));
    const std::size_t window = 8 * static_cast<std::size_t>(jobs);

    std::atomic<std::size_t> next_input{0};
    std::mutex lock;
    std::condition_variable delivered_more;
    std::size_t next_to_deliver = 0;
    std::map<std::size_t, Result> waiting;  // finished out of order

    auto work = [&] {
        Worker worker = make_worker();
        for (std::size_t i = next_input++; i < inputs.size(); i = next_input++) {
            {
                std::unique_lock guard(lock);
                delivered_more.wait(guard, [&] { return i < next_to_deliver + window; });
            }
            Result result = process(worker, inputs[i]);
            const std::lock_guard guard(lock);
            waiting.emplace(i, std::move(result));
            while (!waiting.empty() && waiting.begin()->first == next_to_deliver) {
                deliver(inputs[next_to_deliver], waiting.begin()->second);
                waiting.erase(waiting.begin());
                ++next_to_deliver;
            }
            delivered_more.notify_all();
        }
    };
    std::vector<std::jthread> workers;
    for (unsigned j = 1; j < jobs; ++j) {
        workers.emplace_back(work);
    }
    work();
}

}  // namespace deid
