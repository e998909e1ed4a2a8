// Issue "Nothing lost, nothing hangs": every fault it names, reproduced on
// real files (a real tmpfs, a real hard link, injected write failures) and
// the behaviour that replaces it. Each test is named after the item.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "engine/lint_command.hpp"
#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kData = testing::kSharedDir / "data" / "dicom";
const std::filesystem::path kCtBrain = kData / "deid-data" / "humans" / "ctbrain1.dcm";

PutOptions put_options(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output,
                       std::string_view recipe_text) {
    PutOptions options;
    options.inputs = inputs;
    options.recipes = {testing::write_text(testing::scratch_dir() / "recipe.deid", recipe_text)};
    options.output = output;
    options.progress = ProgressStyle::none;
    options.jobs = 2;
    return options;
}

testing::CommandRun put(const PutOptions& options) { return testing::run_command(run_put, options); }

// ----------------------------------------- 11. self-referencing groups --

TEST(Integrity, Item11GroupThatRefersToItselfIsALintErrorNotACrash) {
    const auto recipe = testing::write_text(testing::scratch_dir() / "cycle.deid",
                                            "FORMAT dicom\n"
                                            "%fields a\n"
                                            "FIELD PatientName\n"
                                            "FIELD fields:b\n"
                                            "%fields b\n"
                                            "FIELD fields:a\n"
                                            "%fields self\n"
                                            "FIELD fields:self\n"
                                            "%values v\n"
                                            "FIELD fields:w\n"
                                            "%fields w\n"
                                            "FIELD values:v\n"
                                            "%header\n"
                                            "REMOVE fields:a\n");
    LintOptions lint;
    lint.recipes = {recipe};
    const auto run = testing::run_command(run_lint, lint);
    EXPECT_EQ(run.status, 1);
    const std::string where = recipe.string();
    EXPECT_THAT(run.out, HasSubstr(where + ":6:7: error: group 'a' refers to itself: a → b → a\n"));
    EXPECT_THAT(run.out, HasSubstr(where + ":8:7: error: group 'self' refers to itself: self → self\n"));
    // Groups are visited fields first, so the cycle closes at v's reference.
    EXPECT_THAT(run.out,
                HasSubstr(where + ":10:7: error: group 'w' refers to itself: fields:w → values:v → fields:w\n"));
}

TEST(Integrity, Item11ForcedRunWithAGroupCycleTerminatesAndUsesTheRest) {
    auto options = put_options({kCtBrain}, testing::scratch_dir() / "out",
                               "FORMAT dicom\n%fields a\nFIELD PatientName\nFIELD fields:b\n"
                               "%fields b\nFIELD PatientID\nFIELD fields:a\n%header\nREMOVE fields:a\n");
    EXPECT_EQ(put(options).status, 2);  // refused: a lint error
    options.force = true;
    const auto run = put(options);
    ASSERT_EQ(run.status, 0) << run.err;
    // a = PatientName + b, and b = PatientID (its reference back to a dropped).
    DcmFileFormat written;
    ASSERT_TRUE(written.loadFile((options.output / "ctbrain1.dcm").c_str()).good());
    EXPECT_FALSE(written.getDataset()->tagExists(DCM_PatientID));
    EXPECT_FALSE(written.getDataset()->tagExists(DCM_PatientName));
    EXPECT_TRUE(written.getDataset()->tagExists(DCM_IssuerOfPatientID));
}

// A group may name a group defined after it, of either kind.
TEST(Integrity, Item11GroupsMayNameLaterGroups) {
    auto options = put_options({kCtBrain}, testing::scratch_dir() / "out",
                               "FORMAT dicom\n%fields early\nFIELD values:late\n"
                               "%values late\nFIELD PatientID\n%header\nREMOVE fields:early\n");
    const auto run = put(options);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, ::testing::Not(HasSubstr("error")));
}

}  // namespace
}  // namespace deid
