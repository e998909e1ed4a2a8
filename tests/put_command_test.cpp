// `deid put` on real files: the round trip over every file of
// ../shared/data/dicom, determinism, and the safety rules of the command.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kData = testing::kSharedDir / "data" / "dicom";

std::filesystem::path fresh_folder(const std::string& name) { return testing::fresh_subdir("deid_put_test_" + name); }

std::filesystem::path write_recipe(const std::filesystem::path& folder, const std::string& text) {
    return testing::write_text(folder / "recipe.deid", text);
}

bool compares_equal(const std::filesystem::path& expected, const std::filesystem::path& candidate) {
    const std::string command = "python3 " + (testing::kSharedDir / "conformance/compare.py").string() + " '" +
                                expected.string() + "' '" + candidate.string() + "' > /dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

testing::CommandRun put(const PutOptions& options) { return testing::run_command(run_put, options); }

TEST(PutCommand, EmptyHeaderRoundTripsEveryReadableFile) {
    const auto work = fresh_folder("round_trip");
    PutOptions options;
    options.inputs = {kData};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\n")};
    options.output = work / "out";
    const testing::CommandRun run = put(options);

    // Broken files (Part 10 marker, unreadable): one error line each, the batch goes on, exit 1.
    EXPECT_EQ(run.status, 1);
    for (const auto* broken : {"MR_truncated.dcm", "SC_rgb_jpeg.dcm", "rtplan_truncated.dcm"}) {
        EXPECT_THAT(run.err, HasSubstr(std::string(broken) + ": error: broken DICOM file")) << broken;
    }
    EXPECT_THAT(run.err, HasSubstr("README.txt: skipped: not a DICOM file"));
    EXPECT_THAT(run.err, HasSubstr("deid put: 166 written, 20 skipped, 3 failed"));

    // Where the output differs from the input, and why (each checked by hand with compare.py).
    const std::map<std::string, std::string> known = {
        {"ExplVR_BigEndNoMeta.dcm", "no file meta in the input; the output is Part 10 with one"},
        {"ExplVR_LitEndNoMeta.dcm", "no file meta in the input; the output is Part 10 with one"},
        {"rtstruct.dcm", "no file meta in the input; the output is Part 10 with one"},
        {"badVR.dcm", "the input's MediaStorageSOPInstanceUID disagrees with SOPInstanceUID; meta follows the dataset"},
        {"rtdose.dcm", "the input's MediaStorageSOPInstanceUID disagrees with SOPInstanceUID; meta follows the dataset"},
        {"rtdose_1frame.dcm", "as rtdose.dcm"},
        {"rtdose_expb.dcm", "as rtdose.dcm"},
        {"rtdose_expb_1frame.dcm", "as rtdose.dcm"},
        {"rtplan.dcm", "the input's MediaStorageSOPInstanceUID disagrees with SOPInstanceUID; meta follows the dataset"},
        {"meta_missing_tsyntax.dcm", "DCMTK does not write elements of the illegal group 0001"},
        {"nested_priv_SQ.dcm", "DCMTK does not write elements of the illegal group 0001"},
        {"693_J2KI.dcm", "the input's group lengths are wrong (3.5 KB file, 105 KB pixel group); DCMTK writes true ones"},
    };
    std::size_t compared = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(options.output)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const auto relative = std::filesystem::relative(entry.path(), options.output);
        const auto name = entry.path().filename().string();
        EXPECT_EQ(compares_equal(kData / relative, entry.path()), !known.contains(name))
            << relative << (known.contains(name) ? " was expected to differ: " + known.at(name) : " differs");
        ++compared;
    }
    EXPECT_EQ(compared, 166u);
}

TEST(PutCommand, SameInputAndRecipeGiveByteIdenticalOutput) {
    const auto work = fresh_folder("determinism");
    PutOptions options;
    options.inputs = {kData / "deid-data" / "dicom-cookies"};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientName\nJITTER StudyDate 3\n"
                                          "REPLACE SOPInstanceUID deid_func:pydicom_uuid\n")};
    options.output = work / "first";
    ASSERT_EQ(put(options).status, 0);
    options.output = work / "second";
    ASSERT_EQ(put(options).status, 0);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(work / "first")) {
        const auto twin = work / "second" / entry.path().filename();
        EXPECT_EQ(testing::read_bytes(entry.path()), testing::read_bytes(twin)) << entry.path();
        ++files;
    }
    EXPECT_EQ(files, 7u);
}

TEST(PutCommand, NeverWritesIntoItsInputOrOverwrites) {
    const auto work = fresh_folder("safety");
    std::filesystem::copy_file(kData / "deid-data/humans/ctbrain1.dcm", work / "ctbrain1.dcm");
    PutOptions options;
    options.inputs = {work};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientName\n")};
    options.output = work / "out";
    const testing::CommandRun inside = put(options);
    EXPECT_EQ(inside.status, 2);
    EXPECT_THAT(inside.err, HasSubstr("is inside the input folder"));
    EXPECT_FALSE(std::filesystem::exists(work / "out"));

    options.inputs = {work / "ctbrain1.dcm"};
    ASSERT_EQ(put(options).status, 0);
    const testing::CommandRun again = put(options);
    EXPECT_EQ(again.status, 1);
    EXPECT_THAT(again.err, HasSubstr("exists (use --overwrite to replace it, or --resume to keep finished outputs)"));
    options.overwrite = true;
    EXPECT_EQ(put(options).status, 0);
}

TEST(PutCommand, RefusesARecipeWithLintErrors) {
    const auto work = fresh_folder("lint_gate");
    PutOptions options;
    options.inputs = {kData / "deid-data/humans/ctbrain1.dcm"};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientNme\n")};
    options.output = work / "out";
    const testing::CommandRun refused = put(options);
    EXPECT_EQ(refused.status, 2);
    EXPECT_THAT(refused.err, HasSubstr("unknown DICOM keyword 'PatientNme' (did you mean 'PatientName'?)"));
    EXPECT_FALSE(std::filesystem::exists(work / "out"));
}

TEST(PutCommand, VariablesAndExplain) {
    const auto work = fresh_folder("vars");
    std::ofstream(work / "vars.json") << R"({"new_id": "SUBJ-0042"})";
    const auto input = kData / "deid-data/humans/ctbrain1.dcm";
    PutOptions options;
    options.inputs = {input};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nADD PatientID var:new_id\nREPLACE PatientName var:missing\n")};
    options.output = work / "out";
    options.variables = work / "vars.json";
    options.explain = input;
    const testing::CommandRun run = put(options);
    EXPECT_EQ(run.status, 0);
    EXPECT_THAT(run.out, HasSubstr("(0010,0020) PatientID: '"));
    EXPECT_THAT(run.out, HasSubstr("' -> 'SUBJ-0042'  (" + (work / "recipe.deid").string() + ":3)"));
    EXPECT_THAT(run.err, HasSubstr("warning: (0010,0010): variable 'missing' is not given for this file; "
                                   "PatientName left unchanged (" + (work / "recipe.deid").string() + ":4)"));
}

}  // namespace
}  // namespace deid
