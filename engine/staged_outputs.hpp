#pragma once

#include <cstdint>
#include <optional>
#include <thread>
#include <utility>

#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/group_commit.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {

// The largest output a worker hands to the committer's writer in memory
// (stage_or_hold_dicom). The writer helps only on a core no worker uses:
// with a worker on every core it competes with them (measured: put -j2 on 2
// cores ran 3-12 % slower holding, in three of four interleaved series), so
// then nothing is held.
inline std::uint64_t largest_held_output(unsigned workers) {
    return workers < std::thread::hardware_concurrency() ? kLargestHeldOutput : 0;
}

// Ends a file of a batch (run_in_parallel_deferred) whose output, if any, is
// pending: the group committer writes it if it is held, makes it durable
// (unless --no-fsync) and publishes it, then `settle(result, failure)`
// records the outcome and `complete(result)` hands the file on, both later
// on a committer's thread (at once if writing a held output in submit
// fails). Without an output, both run at once.
template <typename Result, typename Complete, typename Settle>
void publish_and_complete(GroupCommitter& committer, std::optional<PendingOutput>& output, Result result,
                          Complete complete, Settle settle) {
    if (output) {
        committer.submit(std::move(*output), [result = std::move(result), complete, settle](
                                                 std::optional<WriteFailure> failure) mutable {
            settle(result, failure);
            complete(std::move(result));
        });
        output.reset();
        return;
    }
    settle(result, std::optional<WriteFailure>{});
    complete(std::move(result));
}

}  // namespace deid
