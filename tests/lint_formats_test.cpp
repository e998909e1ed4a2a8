// `deid lint` where CI and editors use it: folders and standard input as
// inputs, one finding for a file that is no recipe, SARIF 2.1.0, GitHub
// annotations, --werror and --max-warnings.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/lint_command.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;

const char* const kTwoFindings = "FORMAT dicom\n%header\nREMOVE PatientsNme\nREMOVE PatientsName\n";

testing::CommandRun lint(LintOptions options) { return testing::run_command(run_lint, options); }

LintOptions of(std::vector<std::filesystem::path> recipes, LintFormat format = LintFormat::text) {
    LintOptions options;
    options.recipes = std::move(recipes);
    options.format = format;
    return options;
}

TEST(LintInputs, AFolderStandsForTheRecipeFilesInIt) {
    const auto folder = testing::scratch_dir() / "recipes";
    std::filesystem::create_directories(folder / "nested");
    std::filesystem::create_directories(folder / ".git");
    testing::write_text(folder / "deid.dicom", "FORMAT dicom\n%header\nREMOVE PatientNme\n");
    testing::write_text(folder / "nested" / "site.deid", "FORMAT dicom\n%header\nREMOVE PatientIDx\n");
    testing::write_text(folder / "nested" / "chest.dicom", "FORMAT dicom\n%header\nREMOVE Modalty\n");
    testing::write_text(folder / "README.md", "not a recipe\n");
    testing::write_text(folder / ".git" / "deid.dicom", "ignored\n");
    const auto run = lint(of({folder}));
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.out, (folder / "deid.dicom").string() +
                           ":3:8: error: unknown DICOM keyword 'PatientNme' (did you mean 'PatientName'?)\n" +
                           (folder / "nested" / "chest.dicom").string() +
                           ":3:8: error: unknown DICOM keyword 'Modalty' (did you mean 'Modality'?)\n" +
                           (folder / "nested" / "site.deid").string() +
                           ":3:8: error: unknown DICOM keyword 'PatientIDx' (did you mean 'PatientID'?)\n");
    EXPECT_EQ(run.err, "deid lint: 3 errors, 0 warnings, 0 notes in 3 recipes\n");
}

TEST(LintInputs, EveryReferenceRecipeIsFoundInItsFolder) {
    const auto run = lint(of({testing::kSharedDir / "recipes-reference"}));
    EXPECT_THAT(run.err, HasSubstr(" in 32 recipes\n"));  // all but the licence
}

TEST(LintInputs, ADashReadsTheRecipeFromStandardInput) {
    std::istringstream input("FORMAT dicom\n%header\nREMOVE PatientsNme\n");
    auto options = of({"-"});
    options.standard_input = &input;
    const auto run = lint(options);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.out, "<stdin>:3:8: error: unknown DICOM keyword 'PatientsNme' (did you mean 'PatientName'?)\n");
}

TEST(LintInputs, AFileThatIsNoRecipeIsOneFinding) {
    const auto folder = testing::scratch_dir();
    std::string binary = "\x7f" "ELF\x02\x01\x01";
    binary += std::string(3000, '\0') + "FORMAT dicom\n%header\nREMOVE x\n";
    testing::write_text(folder / "binary.deid", binary);
    const auto run = lint(of({folder / "missing.deid", folder / "binary.deid", folder}));
    // The folder stands for binary.deid, its one recipe name.
    EXPECT_EQ(run.out, (folder / "missing.deid").string() + ": error: cannot read recipe file: No such file or directory\n" +
                           (folder / "binary.deid").string() + ": error: not a recipe: binary data (a NUL byte on line 1)\n" +
                           (folder / "binary.deid").string() + ": error: not a recipe: binary data (a NUL byte on line 1)\n");
}

TEST(LintInputs, EchoedRecipeTextIsCutAndPrintable) {
    const auto file = testing::write_text(testing::scratch_dir() / "long.deid",
                                          "junk\x02\xff here\nFORMAT dicom\n%header\nREMOVE " + std::string(5000, 'A') + "\n");
    const auto run = lint(of({file}));
    EXPECT_THAT(run.out, HasSubstr(":1:1: error: unexpected 'junk\\x02\\xFF here' before any section"));
    EXPECT_THAT(run.out, HasSubstr(":4:8: error: unknown DICOM keyword '" + std::string(60, 'A') + "…'\n"));
    EXPECT_LT(run.out.size(), 400u);
}

// The fields SARIF 2.1.0's schema requires, and the types it gives them.
void expect_valid_sarif(const nlohmann::json& log) {
    ASSERT_TRUE(log.is_object());
    EXPECT_EQ(log.at("version"), "2.1.0");                       // sarifLog: version (enum), runs
    EXPECT_TRUE(log.at("$schema").get<std::string>().ends_with("sarif-2.1.0.json"));
    ASSERT_TRUE(log.at("runs").is_array());
    for (const auto& run : log["runs"]) {
        const auto& driver = run.at("tool").at("driver");       // run: tool; tool: driver
        EXPECT_TRUE(driver.at("name").is_string());              // toolComponent: name
        for (const auto& rule : driver.at("rules")) {
            EXPECT_TRUE(rule.at("id").is_string());              // reportingDescriptor: id
        }
        for (const auto& result : run.at("results")) {
            EXPECT_TRUE(result.at("message").at("text").is_string());  // result: message; message: text or id
            EXPECT_THAT(result.at("level").get<std::string>(), ::testing::AnyOf("none", "note", "warning", "error"));
            const auto index = result.at("ruleIndex").get<std::size_t>();
            EXPECT_EQ(driver["rules"].at(index).at("id"), result.at("ruleId"));
            for (const auto& location : result.at("locations")) {
                const auto& physical = location.at("physicalLocation");  // needs address or artifactLocation
                EXPECT_TRUE(physical.at("artifactLocation").at("uri").is_string());
                if (physical.contains("region")) {
                    EXPECT_GE(physical["region"].at("startLine").get<int>(), 1);
                    EXPECT_GE(physical["region"].at("startColumn").get<int>(), 1);
                }
            }
        }
    }
}

TEST(LintFormats, SarifHasWhatTheSchemaRequiresAndTheRealLocation) {
    const auto file = testing::write_text(testing::scratch_dir() / "two findings.deid", kTwoFindings);
    const auto run = lint(of({file, testing::scratch_dir() / "missing.deid"}, LintFormat::sarif));
    EXPECT_EQ(run.status, 1);
    const auto log = nlohmann::json::parse(run.out);
    expect_valid_sarif(log);
    const auto& results = log["runs"][0]["results"];
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0]["ruleId"], "unknown-keyword");
    EXPECT_EQ(results[0]["level"], "error");
    EXPECT_EQ(results[0]["message"]["text"], "unknown DICOM keyword 'PatientsNme' (did you mean 'PatientName'?)");
    const auto& location = results[0]["locations"][0]["physicalLocation"];
    EXPECT_EQ(location["artifactLocation"]["uri"],
              "file://" + (testing::scratch_dir() / "two%20findings.deid").string());
    EXPECT_EQ(location["region"], (nlohmann::json{{"startLine", 3}, {"startColumn", 8}, {"endColumn", 19}}));
    EXPECT_EQ(results[1]["ruleId"], "alias");
    EXPECT_EQ(results[1]["level"], "warning");
    // A file that cannot be read: located in the file, without a region.
    EXPECT_FALSE(results[2]["locations"][0]["physicalLocation"].contains("region"));
}

TEST(LintFormats, GithubAnnotationsOneLinePerFinding) {
    const auto file = testing::write_text(testing::scratch_dir() / "a,b.deid", kTwoFindings);
    const auto run = lint(of({file}, LintFormat::github));
    EXPECT_EQ(run.out, "::error file=" + testing::scratch_dir().string() +
                           "/a%2Cb.deid,line=3,col=8,endColumn=19,title=deid lint (unknown-keyword)::unknown DICOM "
                           "keyword 'PatientsNme' (did you mean 'PatientName'?)\n"
                           "::warning file=" + testing::scratch_dir().string() +
                           "/a%2Cb.deid,line=4,col=8,endColumn=20,title=deid lint (alias)::'PatientsName' is the "
                           "pre-2017 keyword of PatientName (0010,0010); write PatientName (older tools match nothing "
                           "for it)\n");
}

TEST(LintFormats, WerrorAndMaxWarningsFailOnWarnings) {
    const auto file = testing::write_text(testing::scratch_dir() / "warns.deid",
                                          "FORMAT dicom\n%header\nREMOVE PatientsName\nREMOVE PatientsSex\n");
    EXPECT_EQ(lint(of({file})).status, 0);
    auto options = of({file});
    options.warnings_are_errors = true;
    auto run = lint(options);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.err, "deid lint: 0 errors, 2 warnings, 0 notes in 1 recipe (--werror: warnings fail the lint)\n");
    options = of({file});
    options.max_warnings = 2;
    EXPECT_EQ(lint(options).status, 0);
    options.max_warnings = 1;
    run = lint(options);
    EXPECT_EQ(run.status, 1);
    EXPECT_THAT(run.err, HasSubstr("(more than --max-warnings 1)"));
}

}  // namespace
}  // namespace deid
