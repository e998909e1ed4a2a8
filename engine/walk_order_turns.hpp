#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>

namespace deid {

// Lets the files of a batch take something in walk order, whatever order
// their workers get there in: a file waits for its turn until every file
// before it has had its own, by taking it or by ending without. The batch
// runner ends every file's turn once its work returns (run_in_parallel_
// deferred); a file may end its turn earlier, once it has taken what it
// waited for. Files are started in walk order and none waits for a later
// one, so every wait ends.
class WalkOrderTurns {
public:
    // Blocks until every file before `index` has ended its turn.
    void wait_for_turn(std::size_t index) {
        std::unique_lock guard(lock_);
        turn_ended_.wait(guard, [&] { return next_ >= index; });
    }

    // Ends the turn of file `index`; again: no effect.
    void end_turn(std::size_t index) {
        {
            const std::lock_guard guard(lock_);
            if (index < next_) {
                return;
            }
            ended_early_.insert(index);
            while (!ended_early_.empty() && *ended_early_.begin() == next_) {
                ended_early_.erase(ended_early_.begin());
                ++next_;
            }
        }
        turn_ended_.notify_all();
    }

private:
    std::mutex lock_;
    std::condition_variable turn_ended_;
    std::size_t next_ = 0;             // every file before it has ended its turn
    std::set<std::size_t> ended_early_;  // ended while an earlier file had not
};

// A file's turn, waited for on construction and ended on destruction.
class TurnInWalkOrder {
public:
    TurnInWalkOrder(WalkOrderTurns& turns, std::size_t index) : turns_(turns), index_(index) {
        turns_.wait_for_turn(index_);
    }
    ~TurnInWalkOrder() { turns_.end_turn(index_); }
    TurnInWalkOrder(const TurnInWalkOrder&) = delete;
    TurnInWalkOrder& operator=(const TurnInWalkOrder&) = delete;

private:
    WalkOrderTurns& turns_;
    std::size_t index_;
};

}  // namespace deid
