// The batch runner itself: results in walk order whatever the workers do,
// and an exception stops the batch and reaches the caller.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "engine/parallel_batch.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

std::filesystem::path folder_of_files(std::size_t count) {
    const auto folder = testing::scratch_dir() / "in";
    std::filesystem::create_directories(folder);
    for (std::size_t i = 0; i < count; ++i) {
        std::ofstream(folder / ("f" + std::to_string(1000 + i))) << i;
    }
    return folder;
}

TEST(ParallelBatch, DeliversInWalkOrderWhateverFinishesFirst) {
    const auto folder = folder_of_files(60);
    InputWalk walk({folder});
    std::vector<std::string> delivered;
    run_in_parallel(
        walk, BatchSettings{4, 0}, [] { return 0; },
        [](int, const InputFile& input) {
            // Later files finish first.
            const int number = std::stoi(input.path.filename().string().substr(1)) - 1000;
            std::this_thread::sleep_for(std::chrono::microseconds(100 * (60 - number) % 700));
            return input.path.filename().string();
        },
        [&](const InputFile& input, const std::string& result) {
            EXPECT_EQ(input.path.filename().string(), result);
            delivered.push_back(result);
        });
    ASSERT_EQ(delivered.size(), 60u);
    EXPECT_TRUE(std::is_sorted(delivered.begin(), delivered.end()));
}

TEST(ParallelBatch, AnExceptionStopsTheBatchAndReachesTheCaller) {
    const auto folder = folder_of_files(40);
    InputWalk walk({folder});
    std::size_t delivered = 0;
    const auto run = [&] {
        run_in_parallel(
            walk, BatchSettings{3, 0}, [] { return 0; },
            [](int, const InputFile& input) {
                if (input.path.filename() == "f1010") {
                    throw std::runtime_error("out of luck");
                }
                return 0;
            },
            [&](const InputFile&, int) { ++delivered; });
    };
    EXPECT_THROW(run(), std::runtime_error);
    EXPECT_LE(delivered, 10u);  // nothing after the failed file is delivered
}

TEST(ParallelBatch, AWorkerThatCannotStartStopsTheBatch) {
    const auto folder = folder_of_files(5);
    InputWalk walk({folder});
    const auto run = [&] {
        run_in_parallel(
            walk, BatchSettings{2, 0}, []() -> int { throw std::runtime_error("no Lua state"); }, [](int, const InputFile&) { return 0; },
            [](const InputFile&, int) {});
    };
    EXPECT_THROW(run(), std::runtime_error);
}

// Half the files the process may open are in flight at most, whatever the
// number of workers: each may hold one open.
TEST(ParallelBatch, FilesInFlightStayWithinHalfTheOpenFileLimit) {
    const auto folder = folder_of_files(80);
    InputWalk walk({folder});
    std::mutex lock;
    std::size_t in_flight = 0;
    std::size_t most_in_flight = 0;
    std::size_t delivered = 0;
    BatchSettings settings{8, 0};
    settings.open_file_limit = 10;
    run_in_parallel(
        walk, settings, [] { return 0; },
        [&](int, const InputFile&) {
            {
                const std::lock_guard guard(lock);
                most_in_flight = std::max(most_in_flight, ++in_flight);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            const std::lock_guard guard(lock);
            --in_flight;
            return 0;
        },
        [&](const InputFile&, int) { ++delivered; });
    EXPECT_EQ(delivered, 80u);
    EXPECT_LE(most_in_flight, 5u);
    EXPECT_GE(most_in_flight, 2u);  // the workers did run side by side
}

// Files take their turns in walk order, whichever finishes its work first;
// a file that never takes its turn has it ended by the runner.
TEST(ParallelBatch, TurnsAreTakenInWalkOrder) {
    const auto folder = folder_of_files(40);
    InputWalk walk({folder});
    WalkOrderTurns turns;
    std::mutex lock;
    std::vector<std::size_t> taken;
    BatchSettings settings{4, 0};
    settings.turns = &turns;
    run_in_parallel(
        walk, settings, [] { return 0; },
        [&](int, const InputFile& input) {
            const std::size_t number = input.walk_index;
            if (number % 5 == 3) {
                return 0;  // no turn taken
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200 * (40 - number) % 900));
            const TurnInWalkOrder turn(turns, number);
            const std::lock_guard guard(lock);
            taken.push_back(number);
            return 0;
        },
        [](const InputFile&, int) {});
    ASSERT_EQ(taken.size(), 32u);
    EXPECT_TRUE(std::is_sorted(taken.begin(), taken.end()));
}

}  // namespace
}  // namespace deid
