// The batch side of `deid put`: workers, resume, shards, report, and the
// rule that no half-written file ever carries the final name.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/put_command.hpp"
#include "runtime/io/open_files.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kData = testing::kSharedDir / "data" / "dicom";

PutOptions options_for(const std::filesystem::path& output) {
    const auto recipe = testing::scratch_dir() / "recipe.deid";
    std::ofstream(recipe) << "FORMAT dicom\n%header\nREMOVE PatientName\nREPLACE SOPInstanceUID deid_func:pydicom_uuid\n";
    PutOptions options;
    options.inputs = {kData / "deid-data"};
    options.recipes = {recipe};
    options.output = output;
    options.progress = ProgressStyle::none;
    return options;
}

testing::CommandRun put(const PutOptions& options) { return testing::run_command(run_put, options); }

TEST(Batch, ParallelWorkersWriteWhatOneWorkerWrites) {
    auto options = options_for(testing::scratch_dir() / "serial");
    options.jobs = 1;
    ASSERT_EQ(put(options).status, 0);
    options.output = testing::scratch_dir() / "parallel";
    options.jobs = 4;
    ASSERT_EQ(put(options).status, 0);
    const auto serial = testing::folder_contents(testing::scratch_dir() / "serial");
    EXPECT_EQ(serial.size(), 11u);  // 7 cookies, 2 humans, 2 ultrasound images (the zip and LICENSE are skipped)
    EXPECT_EQ(serial, testing::folder_contents(testing::scratch_dir() / "parallel"));
}

TEST(Batch, ShardsTogetherAreTheWholeRun) {
    auto options = options_for(testing::scratch_dir() / "whole");
    ASSERT_EQ(put(options).status, 0);
    std::map<std::string, std::string> union_of_shards;
    std::size_t shards_with_files = 0;
    for (std::size_t k = 1; k <= 3; ++k) {
        options.output = testing::scratch_dir() / ("shard" + std::to_string(k));
        options.shard = Shard{k, 3};
        ASSERT_EQ(put(options).status, 0);
        if (!std::filesystem::exists(options.output)) {
            continue;
        }
        const auto shard = testing::folder_contents(options.output);
        shards_with_files += shard.empty() ? 0 : 1;
        for (const auto& [path, bytes] : shard) {
            EXPECT_TRUE(union_of_shards.emplace(path, bytes).second) << path << " is in two shards";
        }
    }
    EXPECT_EQ(union_of_shards, testing::folder_contents(testing::scratch_dir() / "whole"));
    EXPECT_GT(shards_with_files, 1u);
}

TEST(Batch, ResumeRedoesOnlyWhatIsMissing) {
    auto options = options_for(testing::scratch_dir() / "out");
    ASSERT_EQ(put(options).status, 0);
    const auto first = testing::folder_contents(options.output);
    std::filesystem::remove(options.output / "dicom-cookies" / "image3.dcm");
    // A crash leaves at most a temporary file, never a final name.
    std::ofstream(options.output / "dicom-cookies" / ".image3.dcm.deid-partial") << "half";
    options.resume = true;
    const testing::CommandRun resumed = put(options);
    EXPECT_EQ(resumed.status, 0);
    EXPECT_THAT(resumed.err, HasSubstr("deid put: 1 written, 2 skipped, 0 failed, 10 already done"));
    auto second = testing::folder_contents(options.output);
    EXPECT_EQ(second, first);
}

TEST(Batch, ReportHasOneLinePerInput) {
    auto options = options_for(testing::scratch_dir() / "out");
    options.report = testing::scratch_dir() / "report.jsonl";
    ASSERT_EQ(put(options).status, 0);
    std::ifstream stream(*options.report);
    std::map<std::string, nlohmann::json> lines;
    for (std::string line; std::getline(stream, line);) {
        const auto json = nlohmann::json::parse(line);
        lines[std::filesystem::path(json["input"].get<std::string>()).filename().string()] = json;
    }
    ASSERT_EQ(lines.size(), 13u);  // 11 DICOM files, LICENSE and the zipped cine
    const auto& ct = lines.at("ctbrain1.dcm");
    EXPECT_EQ(ct["status"], "written");
    EXPECT_EQ(ct["changes"], 2);  // PatientName removed, SOPInstanceUID replaced
    EXPECT_EQ(ct["sha256"].get<std::string>().size(), 64u);
    EXPECT_TRUE(std::filesystem::exists(ct["output"].get<std::string>()));
    EXPECT_EQ(lines.at("LICENSE")["status"], "skipped");
    EXPECT_EQ(lines.at("LICENSE")["output"], "");
}

// The report names every input (often after the patient): it is refused
// inside the output folder, as the crosswalk is, before any work.
TEST(Batch, TheReportIsKeptOutOfTheOutputFolder) {
    auto options = options_for(testing::scratch_dir() / "out");
    options.report = options.output / "report.jsonl";
    const testing::CommandRun inside = put(options);
    EXPECT_EQ(inside.status, 2);
    EXPECT_THAT(inside.err, HasSubstr("the report " + options.report->string() + " is inside the output folder " +
                                      options.output.string() + ": it holds identifying data"));
    EXPECT_FALSE(std::filesystem::exists(options.output));
    options.report = testing::scratch_dir() / "report.jsonl";
    EXPECT_EQ(put(options).status, 0);
    EXPECT_TRUE(std::filesystem::exists(*options.report));
}

TEST(Batch, AWarningOnEveryFileIsPrintedOnceThenCounted) {
    auto options = options_for(testing::scratch_dir() / "out");
    options.inputs = {kData / "deid-data" / "dicom-cookies"};
    const auto recipe = testing::scratch_dir() / "vars.deid";
    std::ofstream(recipe) << "FORMAT dicom\n%header\nADD PatientID var:subject\n";
    options.recipes = {recipe};
    const testing::CommandRun ran = put(options);
    EXPECT_EQ(ran.status, 0);
    const std::string warning = "(0010,0020): variable 'subject' is not given for this file; PatientID left unchanged";
    EXPECT_THAT(ran.err, HasSubstr("image1.dcm: warning: " + warning));
    EXPECT_THAT(ran.err, ::testing::Not(HasSubstr("image2.dcm: warning")));
    EXPECT_THAT(ran.err, HasSubstr("deid put: the same warning for 6 more files: " + warning));
}

TEST(Batch, AFailedWriteLeavesNoFinalName) {
    auto options = options_for(testing::scratch_dir() / "out");
    options.inputs = {kData / "deid-data/humans/ctbrain1.dcm"};
    // A folder where the temporary file would go makes the write fail midway.
    std::filesystem::create_directories(options.output / ".ctbrain1.dcm.deid-partial" / "x");
    const testing::CommandRun ran = put(options);
    EXPECT_EQ(ran.status, 1);
    EXPECT_THAT(ran.err, HasSubstr(".ctbrain1.dcm.deid-partial: Is a directory"));
    EXPECT_FALSE(std::filesystem::exists(options.output / "ctbrain1.dcm"));
}

TEST(Batch, OutputPathsComeFromInputPathsOnly) {
    // A header value that looks like a path never decides where a file goes.
    auto options = options_for(testing::scratch_dir() / "out");
    options.inputs = {kData / "deid-data/humans/ctbrain1.dcm"};
    const auto recipe = testing::scratch_dir() / "sneaky.deid";
    std::ofstream(recipe) << "FORMAT dicom\n%header\nREPLACE PatientID ../../../../etc/passwd\n";
    options.recipes = {recipe};
    ASSERT_EQ(put(options).status, 0);
    EXPECT_EQ(testing::folder_contents(options.output).size(), 1u);
    EXPECT_TRUE(std::filesystem::exists(options.output / "ctbrain1.dcm"));
}

// Many workers under a low `ulimit -n`: no file fails for want of a file
// descriptor (the batch keeps fewer files in flight instead).
TEST(Batch, ALowOpenFileLimitFailsNoFile) {
    const auto inputs = testing::scratch_dir() / "in";
    std::filesystem::create_directories(inputs);
    for (int i = 0; i < 200; ++i) {
        std::filesystem::copy_file(kData / "deid-data/humans/ctbrain1.dcm",
                                   inputs / ("f" + std::to_string(i) + ".dcm"));
    }
    auto options = options_for(testing::scratch_dir() / "out");
    options.inputs = {inputs};
    options.jobs = 8;
    struct LowLimit {
        rlimit before{};
        LowLimit() {
            ::getrlimit(RLIMIT_NOFILE, &before);
            rlimit low = before;
            low.rlim_cur = 48;
            ::setrlimit(RLIMIT_NOFILE, &low);
        }
        ~LowLimit() { ::setrlimit(RLIMIT_NOFILE, &before); }
        LowLimit(const LowLimit&) = delete;
        LowLimit& operator=(const LowLimit&) = delete;
    };
    testing::CommandRun ran;
    {
        const LowLimit low;
        ASSERT_EQ(open_file_limit(), 48u);
        ran = put(options);
    }
    EXPECT_EQ(ran.status, 0) << ran.err;
    EXPECT_THAT(ran.err, ::testing::Not(HasSubstr("Too many open files")));
    EXPECT_EQ(testing::folder_contents(options.output).size(), 200u);
}

// Two inputs that a layout puts on one path: the one first in walk order
// takes it, whichever worker gets there first. Here the first is large and
// slow to read, the second tiny: without turns its worker would claim the
// path first.
TEST(Batch, OfTwoInputsOnOnePathTheFirstInWalkOrderTakesIt) {
    const auto inputs = testing::scratch_dir() / "in";
    std::filesystem::create_directories(inputs);
    DcmFileFormat large;
    ASSERT_TRUE(large.loadFile((kData / "deid-data/humans/ctbrain1.dcm").c_str()).good());
    large.getDataset()->putAndInsertString(DCM_Modality, "OT");
    const std::vector<Uint8> bytes(std::size_t{48} << 20U, 7);
    ASSERT_TRUE(large.getDataset()->putAndInsertUint8Array(DCM_EncapsulatedDocument, bytes.data(),
                                                           static_cast<unsigned long>(bytes.size())).good());
    ASSERT_TRUE(large.saveFile((inputs / "a.dcm").c_str(), EXS_Unknown).good());
    DcmFileFormat small;
    ASSERT_TRUE(small.loadFile((kData / "deid-data/humans/ctbrain2.dcm").c_str()).good());
    small.getDataset()->putAndInsertString(DCM_Modality, "OT");
    ASSERT_TRUE(small.saveFile((inputs / "b.dcm").c_str(), EXS_Unknown).good());

    auto options = options_for(testing::scratch_dir() / "out");
    options.inputs = {inputs};
    options.layout = "{Modality}.dcm";
    options.jobs = 2;
    const testing::CommandRun ran = put(options);
    EXPECT_EQ(ran.status, 1);
    EXPECT_THAT(ran.err, HasSubstr((inputs / "b.dcm").string() + ": error: " + (options.output / "OT.dcm").string() +
                                   " was already written by this run from another input"));
    EXPECT_THAT(ran.err, ::testing::Not(HasSubstr((inputs / "a.dcm").string() + ": error")));
    EXPECT_GT(std::filesystem::file_size(options.output / "OT.dcm"), bytes.size());
}

}  // namespace
}  // namespace deid
