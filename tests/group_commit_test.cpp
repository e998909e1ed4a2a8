#include "runtime/io/group_commit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/io/staged_file.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;

// The real disk, with the syncs decided by the test.
class ScriptedDisk final : public FileSystem {
public:
    // Answers each syncfs, given how many came before it.
    std::function<std::error_code(int)> on_sync_file_system = [](int) { return std::error_code{}; };
    // Answers each fsync, given the temporary's name.
    std::function<std::error_code(const std::string&)> on_sync = [](const std::string&) { return std::error_code{}; };

    std::unique_ptr<WritableFile> create(const std::filesystem::path& path, std::error_code& error) override {
        auto file = disk().create(path, error);
        return file ? std::make_unique<File>(std::move(file), *this, path.filename().string()) : nullptr;
    }
    std::unique_ptr<WritableFile> append(const std::filesystem::path& path, std::error_code& error) override {
        return disk().append(path, error);
    }
    std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to, bool replace) override {
        return disk().rename(from, to, replace);
    }
    std::error_code remove(const std::filesystem::path& path) override { return disk().remove(path); }
    std::error_code create_directories(const std::filesystem::path& path) override {
        return disk().create_directories(path);
    }
    std::optional<FileIdentity> identity(const std::filesystem::path& path) override { return disk().identity(path); }

    std::atomic<int> file_system_syncs = 0;
    std::atomic<int> file_syncs = 0;

private:
    struct File final : WritableFile {
        File(std::unique_ptr<WritableFile> inner, ScriptedDisk& owner, std::string name)
            : inner(std::move(inner)), owner(owner), name(std::move(name)) {}
        std::error_code write(const void* bytes, std::size_t size) override { return inner->write(bytes, size); }
        std::error_code sync() override {
            ++owner.file_syncs;
            const auto error = owner.on_sync(name);
            return error ? error : inner->sync();
        }
        std::error_code sync_file_system() override {
            const auto error = owner.on_sync_file_system(owner.file_system_syncs++);
            return error ? error : inner->sync_file_system();
        }
        std::error_code close() override { return inner->close(); }
        std::unique_ptr<WritableFile> inner;
        ScriptedDisk& owner;
        std::string name;
    };
};

StagedFile stage(FileSystem& files, const std::filesystem::path& target, const std::string& text, bool replace = false) {
    StagedFile staged(target.parent_path() / ("." + target.filename().string() + ".part"), target, replace, files);
    std::error_code error;
    staged.file = files.create(staged.temporary, error);
    EXPECT_FALSE(error) << error.message();
    EXPECT_FALSE(staged.file->write(text.data(), text.size()));
    return staged;
}

std::vector<std::string> names_in(const std::filesystem::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// What a commit told each file, in the order they were done.
struct Outcomes {
    std::mutex lock;
    std::vector<std::pair<std::string, std::optional<WriteFailure>>> done;
    GroupCommitter::Done for_file(const std::string& name) {
        return [this, name](std::optional<WriteFailure> failure) {
            const std::lock_guard guard(lock);
            done.emplace_back(name, std::move(failure));
        };
    }
};

TEST(GroupCommit, EveryFileIsPublishedOnceTheCommitterStops) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    Outcomes outcomes;
    {
        GroupCommitter committer(4);
        for (int i = 0; i < 20; ++i) {
            const std::string name = "f" + std::to_string(i) + ".dcm";
            committer.submit(stage(files, folder / name, name), outcomes.for_file(name));
        }
    }  // the destructor commits what is queued
    ASSERT_EQ(outcomes.done.size(), 20u);
    for (int i = 0; i < 20; ++i) {
        const std::string name = "f" + std::to_string(i) + ".dcm";
        EXPECT_EQ(outcomes.done[static_cast<std::size_t>(i)].first, name);  // in the order submitted
        EXPECT_FALSE(outcomes.done[static_cast<std::size_t>(i)].second.has_value());
        EXPECT_EQ(testing::read_bytes(folder / name), name);
    }
    EXPECT_EQ(names_in(folder).size(), 20u);  // no temporary left
    EXPECT_EQ(files.file_syncs.load(), 20);
}

// Submits f0.dcm, and f1.dcm ... f5.dcm while f0's sync is under way: they
// make one batch.
void commit_one_then_a_batch(ScriptedDisk& files, const std::filesystem::path& folder, Outcomes& outcomes) {
    std::promise<void> first_syncing;
    std::promise<void> others_queued;
    std::shared_future<void> queued = others_queued.get_future().share();
    auto answer = files.on_sync;
    files.on_sync = [&, answer](const std::string& name) {
        if (name == ".f0.dcm.part") {
            first_syncing.set_value();
            queued.wait();
        }
        return answer(name);
    };
    GroupCommitter committer;
    committer.submit(stage(files, folder / "f0.dcm", "f0.dcm"), outcomes.for_file("f0.dcm"));
    // Never synced would be a failure of its own, not a hung test.
    EXPECT_EQ(first_syncing.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    for (int i = 1; i < 6; ++i) {
        const std::string name = "f" + std::to_string(i) + ".dcm";
        committer.submit(stage(files, folder / name, name), outcomes.for_file(name));
    }
    others_queued.set_value();
}

TEST(GroupCommit, ABatchIsWrittenBackByOneSyncfsAndEachFileIsStillSynced) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    EXPECT_EQ(files.file_system_syncs.load(), 1);  // none for the batch of one
    EXPECT_EQ(files.file_syncs.load(), 6);
    EXPECT_EQ(testing::final_names(folder).size(), 6u);
}

// A file's own fsync decides: it reports a failed write-back of that file;
// a failing syncfs may be another program's file on the same disk.
TEST(GroupCommit, AFailedSyncFailsItsOwnFileOnly) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    files.on_sync_file_system = [](int) { return std::make_error_code(std::errc::io_error); };
    files.on_sync = [](const std::string& name) {
        return name == ".f2.dcm.part" ? std::make_error_code(std::errc::no_space_on_device) : std::error_code{};
    };
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    EXPECT_EQ(files.file_system_syncs.load(), 1);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_EQ(failure.has_value(), name == "f2.dcm") << name;
    }
    EXPECT_EQ(outcomes.done[2].second->kind, WriteFailure::Kind::io);
    EXPECT_EQ(outcomes.done[2].second->message,
              "cannot write " + (folder / "f2.dcm").string() + ": No space left on device");
    EXPECT_THAT(names_in(folder), ::testing::ElementsAre("f0.dcm", "f1.dcm", "f3.dcm", "f4.dcm", "f5.dcm"));
}

// The syncfs is only a speed-up: when it throws (here, as if out of
// memory), every file is still synced and published, and the process goes on.
TEST(GroupCommit, ASyncfsThatThrowsCostsOnlyTheSpeedUp) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    files.on_sync_file_system = [](int) -> std::error_code { throw std::bad_alloc(); };
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    EXPECT_EQ(files.file_system_syncs.load(), 1);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_FALSE(failure.has_value()) << name;
    }
    EXPECT_EQ(files.file_syncs.load(), 6);
    EXPECT_EQ(testing::final_names(folder).size(), 6u);
}

TEST(GroupCommit, AnExistingTargetIsLeftAloneUnlessToBeReplaced) {
    const auto folder = testing::scratch_dir();
    testing::write_text(folder / "kept.dcm", "someone else's");
    testing::write_text(folder / "replaced.dcm", "an earlier output");
    ScriptedDisk files;
    Outcomes outcomes;
    {
        GroupCommitter committer;
        committer.submit(stage(files, folder / "kept.dcm", "ours"), outcomes.for_file("kept.dcm"));
        committer.submit(stage(files, folder / "replaced.dcm", "ours", true), outcomes.for_file("replaced.dcm"));
    }
    ASSERT_EQ(outcomes.done.size(), 2u);
    ASSERT_TRUE(outcomes.done[0].second.has_value());
    EXPECT_EQ(outcomes.done[0].second->kind, WriteFailure::Kind::exists);
    EXPECT_FALSE(outcomes.done[1].second.has_value());
    EXPECT_EQ(testing::read_bytes(folder / "kept.dcm"), "someone else's");
    EXPECT_EQ(testing::read_bytes(folder / "replaced.dcm"), "ours");
    EXPECT_THAT(names_in(folder), ::testing::ElementsAre("kept.dcm", "replaced.dcm"));
}

TEST(GroupCommit, AStagedFileDroppedUnpublishedLeavesNothing) {
    const auto folder = testing::scratch_dir();
    {
        const StagedFile staged = stage(disk(), folder / "x.dcm", "half a file");
        EXPECT_TRUE(std::filesystem::exists(staged.temporary));
    }
    EXPECT_THAT(names_in(folder), ::testing::IsEmpty());
}

}  // namespace
}  // namespace deid
