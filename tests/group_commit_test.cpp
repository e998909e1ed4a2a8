#include "runtime/io/group_commit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/io/staged_file.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;

// The real disk, with the syncs decided by the test.
class ScriptedDisk final : public FileSystem {
public:
    // Answers each fsync, given the temporary's name.
    std::function<std::error_code(const std::string&)> on_sync = [](const std::string&) { return std::error_code{}; };
    // Sees each creation, given the temporary's name.
    std::function<void(const std::string&)> on_create = [](const std::string&) {};

    std::unique_ptr<WritableFile> create(const std::filesystem::path& path, std::error_code& error) override {
        on_create(path.filename().string());
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
        GroupCommitter committer(CommitSettings{.most_per_batch = 4});
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

HeldOutput held(FileSystem& files, const std::filesystem::path& target, const std::string& text) {
    return HeldOutput{text, target, false, &files};
}

// Submits f0.dcm ... f5.dcm, the first held: f1 ... f5 are submitted while
// the committer's writer is creating f0, so they make one batch.
void commit_one_then_a_batch(ScriptedDisk& files, const std::filesystem::path& folder, Outcomes& outcomes) {
    std::promise<void> first_creating;
    std::promise<void> others_queued;
    std::shared_future<void> queued = others_queued.get_future().share();
    files.on_create = [&](const std::string& name) {
        if (name == ".f0.dcm.deid-partial") {
            first_creating.set_value();
            queued.wait();
        }
    };
    GroupCommitter committer;
    committer.submit(held(files, folder / "f0.dcm", "f0.dcm"), outcomes.for_file("f0.dcm"));
    // Never created would be a failure of its own, not a hung test.
    EXPECT_EQ(first_creating.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    for (int i = 1; i < 6; ++i) {
        const std::string name = "f" + std::to_string(i) + ".dcm";
        committer.submit(stage(files, folder / name, name), outcomes.for_file(name));
    }
    others_queued.set_value();
}

// The file system serves fsyncs waiting together with one journal commit:
// a batch's are all under way at once.
TEST(GroupCommit, ABatchIsSyncedAllAtOnce) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    std::mutex lock;
    std::condition_variable changed;
    int under_way = 0;
    int most_under_way = 0;
    files.on_sync = [&](const std::string& name) {
        if (name == ".f0.dcm.deid-partial") {
            return std::error_code{};
        }
        std::unique_lock guard(lock);
        most_under_way = std::max(most_under_way, ++under_way);
        changed.notify_all();
        // One at a time, each would wait here in vain, and the test fail.
        changed.wait_for(guard, std::chrono::seconds(5), [&] { return most_under_way == 5; });
        --under_way;
        return std::error_code{};
    };
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    EXPECT_EQ(most_under_way, 5);
    EXPECT_EQ(files.file_syncs.load(), 6);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_FALSE(failure.has_value()) << name;
    }
    EXPECT_EQ(testing::read_bytes(folder / "f0.dcm"), "f0.dcm");  // the held one, written by the committer
    EXPECT_EQ(testing::final_names(folder).size(), 6u);
    EXPECT_EQ(names_in(folder).size(), 6u);  // no temporary left
}

// Each file's own fsync decides: it reports a failed write-back of that file.
TEST(GroupCommit, AFailedSyncFailsItsOwnFileOnly) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    files.on_sync = [](const std::string& name) {
        return name == ".f2.dcm.part" ? std::make_error_code(std::errc::no_space_on_device) : std::error_code{};
    };
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_EQ(failure.has_value(), name == "f2.dcm") << name;
    }
    EXPECT_EQ(outcomes.done[2].second->kind, WriteFailure::Kind::io);
    EXPECT_EQ(outcomes.done[2].second->message,
              "cannot write " + (folder / "f2.dcm").string() + ": No space left on device");
    EXPECT_THAT(names_in(folder), ::testing::ElementsAre("f0.dcm", "f1.dcm", "f3.dcm", "f4.dcm", "f5.dcm"));
}

// A sync that throws (here, as if out of memory) fails its own file; the
// batch goes on, and the process too.
TEST(GroupCommit, ASyncThatThrowsFailsItsOwnFileOnly) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    files.on_sync = [](const std::string& name) -> std::error_code {
        if (name == ".f3.dcm.part") {
            throw std::bad_alloc();
        }
        return {};
    };
    Outcomes outcomes;
    commit_one_then_a_batch(files, folder, outcomes);
    ASSERT_EQ(outcomes.done.size(), 6u);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_EQ(failure.has_value(), name == "f3.dcm") << name;
    }
    EXPECT_THAT(names_in(folder), ::testing::ElementsAre("f0.dcm", "f1.dcm", "f2.dcm", "f4.dcm", "f5.dcm"));
}

// A held output is written in pieces (kHeldWritePiece): every byte
// lands once and in place, the last piece a short one.
TEST(GroupCommit, AHeldOutputOfManyWritesIsWrittenWhole) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    std::string bytes(1024 * 1024 + 12345, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<char>((i * 131 + i / 4096) % 251);  // no two pieces alike
    }
    Outcomes outcomes;
    {
        GroupCommitter committer;
        committer.submit(held(files, folder / "large.dcm", bytes), outcomes.for_file("large.dcm"));
    }
    ASSERT_EQ(outcomes.done.size(), 1u);
    EXPECT_FALSE(outcomes.done[0].second.has_value());
    EXPECT_TRUE(testing::read_bytes(folder / "large.dcm") == bytes);
}

// Held outputs queue for the writer up to its budget of bytes; beyond it
// submit writes them itself, and never waits. Every one is published.
TEST(GroupCommit, HeldOutputsBeyondTheWritersQueueAreWrittenBySubmit) {
    const auto folder = testing::scratch_dir();
    ScriptedDisk files;
    std::promise<void> first_creating;
    std::promise<void> others_submitted;
    std::shared_future<void> submitted = others_submitted.get_future().share();
    std::mutex lock;
    std::map<std::string, std::thread::id> created_by;
    files.on_create = [&](const std::string& name) {
        {
            const std::lock_guard guard(lock);
            created_by[name] = std::this_thread::get_id();
        }
        if (name == ".h0.dcm.deid-partial") {
            first_creating.set_value();
            submitted.wait();
        }
    };
    Outcomes outcomes;
    {
        // Each output is 16 bytes: room for h0, which the writer is busy
        // with, and h1 behind it.
        GroupCommitter committer(CommitSettings{.most_held_bytes = 40});
        auto submit = [&](int i) {
            const std::string name = "h" + std::to_string(i) + ".dcm";
            committer.submit(held(files, folder / name, name + std::string(10, '.')), outcomes.for_file(name));
        };
        submit(0);
        EXPECT_EQ(first_creating.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
        for (int i = 1; i < 6; ++i) {
            submit(i);
        }
        others_submitted.set_value();
    }
    ASSERT_EQ(outcomes.done.size(), 6u);
    for (int i = 0; i < 6; ++i) {
        const std::string name = "h" + std::to_string(i) + ".dcm";
        EXPECT_FALSE(outcomes.done[static_cast<std::size_t>(i)].second.has_value()) << name;
        EXPECT_EQ(testing::read_bytes(folder / name), name + std::string(10, '.'));
        EXPECT_EQ(created_by["." + name + ".deid-partial"] == std::this_thread::get_id(), i > 1) << name;
    }
    EXPECT_EQ(names_in(folder).size(), 6u);  // no temporary left
}

// A held output that cannot be written fails alone.
TEST(GroupCommit, AHeldOutputThatCannotBeWrittenFailsAlone) {
    const auto folder = testing::scratch_dir();
    testing::write_text(folder / "not-a-folder", "a file where a folder should be");
    ScriptedDisk files;
    Outcomes outcomes;
    {
        GroupCommitter committer;
        committer.submit(held(files, folder / "a.dcm", "a"), outcomes.for_file("a.dcm"));
        committer.submit(held(files, folder / "not-a-folder" / "x.dcm", "x"), outcomes.for_file("x.dcm"));
        committer.submit(held(files, folder / "b.dcm", "b"), outcomes.for_file("b.dcm"));
    }
    ASSERT_EQ(outcomes.done.size(), 3u);
    for (const auto& [name, failure] : outcomes.done) {
        EXPECT_EQ(failure.has_value(), name == "x.dcm") << name;
        if (failure) {
            EXPECT_THAT(failure->message, HasSubstr("cannot create folder " + (folder / "not-a-folder").string() + ": "));
        }
    }
    EXPECT_THAT(names_in(folder), ::testing::ElementsAre("a.dcm", "b.dcm", "not-a-folder"));
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
