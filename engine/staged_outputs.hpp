#pragma once

#include <optional>
#include <utility>

#include "runtime/io/group_commit.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {

// Ends a file of a batch (run_in_parallel_deferred) whose output, if any, is
// pending: the group committer writes it if it is held, makes it durable
// (unless --no-fsync) and publishes it, then `settle(result, failure)`
// records the outcome and `complete(result)` hands the file on, both later
// on the committer's thread. Without an output, both run at once.
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
