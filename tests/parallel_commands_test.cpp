// get, inspect and clean on several workers: the same output as on one,
// in input order, and the progress display around the files' messages.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/clean_command.hpp"
#include "engine/get_command.hpp"
#include "engine/inspect_command.hpp"
#include "engine/progress.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "engine/exit_status.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Real files of every kind, and two that are no DICOM (LICENSE, a zip).
const std::filesystem::path kCorpus = testing::kSharedDir / "data" / "dicom" / "deid-data";

testing::CommandRun get_with(unsigned jobs) {
    GetOptions options;
    options.inputs = {kCorpus};
    options.jobs = jobs;
    options.progress = ProgressStyle::none;
    return testing::run_command(run_get, options);
}

testing::CommandRun inspect_with(unsigned jobs, InspectFormat format) {
    InspectOptions options;
    options.inputs = {kCorpus};
    options.jobs = jobs;
    options.format = format;
    options.progress = ProgressStyle::none;
    return testing::run_command(run_inspect, options);
}

TEST(ParallelCommands, GetPrintsTheSameDocumentOnAnyNumberOfWorkers) {
    const testing::CommandRun serial = get_with(1);
    const testing::CommandRun parallel = get_with(4);
    EXPECT_EQ(serial.status, 0);
    EXPECT_EQ(serial.out, parallel.out);
    EXPECT_EQ(serial.err, parallel.err);
    const auto document = nlohmann::ordered_json::parse(serial.out);
    EXPECT_EQ(document.dump(2) + "\n", serial.out);  // streamed file by file, printed as one dump
    ASSERT_EQ(document.size(), 11u);  // the two files that are no DICOM are skipped
    // Files in input order (sorted paths), elements in dataset order.
    std::vector<std::string> files;
    for (const auto& [file, elements] : document.items()) {
        files.push_back(file);
    }
    EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
    const auto& first = document.begin().value();
    EXPECT_EQ(first.begin().key(), "(0002,0002)");
    EXPECT_THAT(serial.err, HasSubstr("LICENSE: skipped"));
}

TEST(ParallelCommands, GetWritesItsFileWhole) {
    GetOptions options;
    options.inputs = {kCorpus / "humans"};
    options.output = testing::scratch_dir() / "ids.json";
    options.progress = ProgressStyle::none;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_get(options, standard_dictionary(), out, err), 0) << err.str();
    EXPECT_EQ(out.str(), "");
    std::ifstream stream(*options.output);
    EXPECT_EQ(nlohmann::json::parse(stream).size(), 2u);
    EXPECT_FALSE(std::filesystem::exists(testing::scratch_dir() / "ids.json.deid-partial"));
}

TEST(ParallelCommands, GetOfNothingIsAnEmptyObject) {
    GetOptions options;
    options.inputs = {kCorpus / "LICENSE"};
    options.progress = ProgressStyle::none;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_get(options, standard_dictionary(), out, err), 0);
    EXPECT_EQ(nlohmann::json::parse(out.str()), nlohmann::json::object());
}

TEST(ParallelCommands, InspectPrintsTheSameOnAnyNumberOfWorkers) {
    for (const auto format : {InspectFormat::table, InspectFormat::csv, InspectFormat::json}) {
        const testing::CommandRun serial = inspect_with(1, format);
        const testing::CommandRun parallel = inspect_with(3, format);
        EXPECT_EQ(serial.status, 0);
        EXPECT_EQ(serial.out, parallel.out);
        EXPECT_EQ(serial.err, parallel.err);
    }
    const std::string text = inspect_with(2, InspectFormat::json).out;
    EXPECT_EQ(nlohmann::ordered_json::parse(text).dump(2) + "\n", text);
    const auto json = nlohmann::json::parse(text);
    EXPECT_EQ(json["files"].size(), 11u);
    EXPECT_EQ(json["summary"]["screened"], 11);
    // The cookies have no ImageType (blacklist), the CT heads match a graylist
    // catch-all without regions, the ultrasounds graylists with regions.
    EXPECT_EQ(json["summary"]["flagged"], 11);
    EXPECT_TRUE(json["files"][(kCorpus / "ultrasounds" / "RGB_IMAGE.dcm").string()]["flagged"]);
}

TEST(ParallelCommands, CleanWritesTheSameFilesOnAnyNumberOfWorkers) {
    std::map<std::string, std::string> outputs[2];
    for (const unsigned jobs : {1U, 4U}) {
        CleanOptions options;
        options.inputs = {kCorpus};
        options.output = testing::scratch_dir() / ("out" + std::to_string(jobs));
        options.jobs = jobs;
        options.progress = ProgressStyle::none;
        std::ostringstream out;
        std::ostringstream err;
        ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), kExitSetAside) << err.str();
        // GREYSCALE_IMAGE.dcm matches the blacklist as well as a graylist LABEL: quarantined, not cleaned.
        EXPECT_THAT(err.str(), HasSubstr("deid clean: 1 cleaned, 0 not flagged (copied), 10 quarantined, 0 failed"));
        outputs[jobs == 1 ? 0 : 1] = testing::folder_contents(options.output);
    }
    EXPECT_EQ(outputs[0].size(), 11u);
    EXPECT_TRUE(outputs[0].contains("quarantine/humans/ctbrain1.dcm"));
    EXPECT_TRUE(outputs[0].contains("ultrasounds/RGB_IMAGE.dcm"));
    EXPECT_EQ(outputs[0], outputs[1]);
}

TEST(Progress, BarIsClearedBeforeMessagesAndRedrawnAfter) {
    std::ostringstream err;
    {
        Progress progress(err, ProgressStyle::bar, "deid put", 2);
        progress.file_done("");
        progress.file_done("a.dcm: error: broken\n");
        progress.print("deid put: 1 written\n");
    }
    const std::string text = err.str();
    EXPECT_THAT(text, StartsWith("\r\x1b[Kdeid put [###############...............] 1/2 files"));
    // The message starts on a clean line, then the bar shows the end.
    EXPECT_THAT(text, HasSubstr("\r\x1b[Ka.dcm: error: broken\n\r\x1b[Kdeid put [##############################] 2/2 files"));
    EXPECT_THAT(text, HasSubstr("\r\x1b[Kdeid put: 1 written\n"));
}

TEST(Progress, QuietPrintsOnlyTheMessages) {
    std::ostringstream err;
    {
        Progress progress(err, ProgressStyle::none, "deid put", 2);
        progress.file_done("");
        progress.file_done("a.dcm: error: broken\n");
    }
    EXPECT_EQ(err.str(), "a.dcm: error: broken\n");
}

TEST(Progress, PlainLinesHaveNoTerminalCodes) {
    std::ostringstream err;
    {
        Progress progress(err, ProgressStyle::lines, "deid put", 2);
        progress.file_done("a.dcm: error: broken\n");
        progress.file_done("");
    }
    EXPECT_THAT(err.str(), Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace deid
