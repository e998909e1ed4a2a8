#pragma once

#include <optional>
#include <utility>

#include "runtime/io/group_commit.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {

// Ends a file of a batch (run_in_parallel_deferred) whose output, if any, is
// staged: the output is published — by the group committer when there is one
// (the default, with fsync), else at once, unsynced (--no-fsync) — then
// `settle(result, failure)` records the outcome and `complete(result)` hands
// the file on. With the committer, both run later on its thread.
template <typename Result, typename Complete, typename Settle>
void publish_and_complete(std::optional<GroupCommitter>& committer, std::optional<StagedFile>& staged,
                          Result result, Complete complete, Settle settle) {
    if (staged && committer) {
        committer->submit(std::move(*staged), [result = std::move(result), complete, settle](
                                                  std::optional<WriteFailure> failure) mutable {
            settle(result, failure);
            complete(std::move(result));
        });
        staged.reset();
        return;
    }
    std::optional<WriteFailure> failure;
    if (staged) {
        failure = publish(*staged);
        staged.reset();
    }
    settle(result, failure);
    complete(std::move(result));
}

}  // namespace deid
