// The input walk: every file once, in the order of a sort of whole paths,
// relative paths for the output layout, one folder listing at a time.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runtime/io/inputs.hpp"
#include "runtime/io/read_ahead.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

std::vector<InputFile> walk_all(const std::vector<std::filesystem::path>& inputs, InputWalk::Filter keep = {}) {
    InputWalk walk(inputs, std::move(keep));
    std::vector<InputFile> files;
    while (auto file = walk.next()) {
        files.push_back(std::move(*file));
    }
    return files;
}

TEST(InputWalk, YieldsEveryFileInSortedPathOrder) {
    const auto data = testing::kSharedDir / "data" / "dicom";
    std::vector<std::filesystem::path> expected;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
        if (entry.is_regular_file()) {
            expected.push_back(entry.path());
        }
    }
    std::sort(expected.begin(), expected.end());
    const auto files = walk_all({data});
    ASSERT_EQ(files.size(), expected.size());
    ASSERT_GT(files.size(), 150u);
    for (std::size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(files[i].path, expected[i]);
        EXPECT_EQ(data / files[i].relative, files[i].path);
        EXPECT_TRUE(files[i].problem.empty());
    }
    EXPECT_EQ(count_inputs({data}), files.size());
}

TEST(InputWalk, FilesGivenDirectlyLandAtTheTopAndLinkedFoldersAreReportedNotFollowed) {
    const auto root = testing::scratch_dir();
    std::filesystem::create_directories(root / "tree" / "b");
    std::ofstream(root / "tree" / "b" / "x.dcm") << "x";
    std::ofstream(root / "tree" / "b.dcm") << "y";
    std::ofstream(root / "single.dcm") << "z";
    std::filesystem::create_directory_symlink(root / "tree", root / "tree" / "loop");
    const auto files = walk_all({root / "tree", root / "single.dcm"});
    ASSERT_EQ(files.size(), 4u);
    EXPECT_EQ(files[0].relative, std::filesystem::path("b") / "x.dcm");  // "b" sorts before "b.dcm"
    EXPECT_EQ(files[1].relative, "b.dcm");
    EXPECT_EQ(files[2].relative, "loop");
    EXPECT_THAT(files[2].not_followed, ::testing::HasSubstr("a symbolic link to a folder is not followed"));
    EXPECT_EQ(files[3].relative, "single.dcm");
    for (const std::size_t walked : {0, 1, 3}) {
        EXPECT_TRUE(files[walked].not_followed.empty());
    }
}

TEST(InputWalk, TheFilterPicksFilesWithoutChangingTheirOrder) {
    const auto data = testing::kSharedDir / "data" / "dicom" / "deid-data";
    const auto keep = [](const InputFile& file) { return file.path.extension() == ".dcm"; };
    const auto files = walk_all({data}, keep);
    EXPECT_EQ(files.size(), 11u);
    EXPECT_TRUE(std::is_sorted(files.begin(), files.end(),
                               [](const InputFile& a, const InputFile& b) { return a.path < b.path; }));
    EXPECT_EQ(count_inputs({data}, keep), 11u);
}

TEST(ReadAhead, HandsOutTheWalkUnchangedAndNamesEachFileOnceToReadAhead) {
    const auto data = testing::kSharedDir / "data" / "dicom" / "deid-data";
    const auto expected = walk_all({data});
    for (const std::size_t depth : {0U, 1U, 4U, 100U}) {
        InputWalk walk({data});
        ReadAhead ahead(walk, depth);
        std::vector<std::filesystem::path> got;
        std::vector<std::filesystem::path> read_ahead;
        while (auto taken = ahead.next()) {
            got.push_back(taken->file.path);
            read_ahead.insert(read_ahead.end(), taken->to_read_ahead.begin(), taken->to_read_ahead.end());
            // A file is named to read ahead before (or when) it is handed out.
            EXPECT_TRUE(std::find(read_ahead.begin(), read_ahead.end(), taken->file.path) != read_ahead.end());
        }
        ASSERT_EQ(got.size(), expected.size()) << depth;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i], expected[i].path);
        }
        EXPECT_EQ(read_ahead, got);
        EXPECT_FALSE(ahead.next().has_value());
    }
}

}  // namespace
}  // namespace deid
