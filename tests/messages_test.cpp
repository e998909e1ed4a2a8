// Issue "A tool that fits where people work": messages and exit statuses
// that tell the truth. Each test is named after the item.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/clean_command.hpp"
#include "engine/exit_status.hpp"
#include "engine/get_command.hpp"
#include "engine/inspect_command.hpp"
#include "engine/put_command.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path& kData = testing::kDicomData;
const std::filesystem::path& kCtBrain = testing::kCtBrain1;
const std::filesystem::path& kCtSmall = testing::kCtSmall;

PutOptions put_options(std::vector<std::filesystem::path> inputs, std::string_view recipe) {
    PutOptions options;
    options.inputs = std::move(inputs);
    options.recipes = {testing::write_text(testing::scratch_dir() / "recipe.deid", recipe)};
    options.output = testing::scratch_dir() / "out";
    options.progress = ProgressStyle::none;
    return options;
}

std::string value_of(const std::filesystem::path& file, const DcmTagKey& tag) {
    DcmFileFormat dicom;
    OFString value;
    if (dicom.loadFile(file.c_str()).good()) {
        dicom.getDataset()->findAndGetOFStringArray(tag, value);
    }
    return value.c_str();
}

// Runs the deid program; its standard output and error, and status.
testing::CommandRun program(const std::vector<std::string>& arguments) {
    const auto out = testing::scratch_dir() / "program.out";
    const auto err = testing::scratch_dir() / "program.err";
    std::string command = DEID_BINARY;
    for (const auto& argument : arguments) {
        command += " '" + argument + "'";
    }
    command += " > '" + out.string() + "' 2> '" + err.string() + "'";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_bytes(out), testing::read_bytes(err)};
}

// ------------------------------- 6. a warning says what really happened --

TEST(Messages, Item6AWarningSaysWhatBecameOfTheElement) {
    auto options = put_options({kCtBrain}, "FORMAT dicom\n%header\n"
                                           "REMOVE PatientID\n"
                                           "ADD PatientID var:entity_id\n"
                                           "REPLACE PatientName var:name\n"
                                           "ADD PatientName Anonymous\n");
    options.with_default_recipe = false;
    const auto run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, 0) << run.err;
    const std::string recipe = options.recipes[0].string();
    EXPECT_THAT(run.err, HasSubstr("(0010,0020): variable 'entity_id' is not given for this file; PatientID not "
                                   "created (removed by line 3) (" + recipe + ":4)"));
    EXPECT_THAT(run.err, HasSubstr("(0010,0010): variable 'name' is not given for this file; PatientName left "
                                   "unchanged; then replaced by line 6 (" + recipe + ":5)"));
    EXPECT_EQ(value_of(options.output / "ctbrain1.dcm", DCM_PatientName), "Anonymous");
}

TEST(Messages, Item6TheBundledDefaultSaysItsVariablesAreMissingOnce) {
    const auto run = program({"put", (kData / "deid-data" / "dicom-cookies").string(), "--default", "-o",
                              (testing::scratch_dir() / "out").string(), "-q"});
    EXPECT_EQ(run.status, 0) << run.err;
    for (const auto* variable : {"entity_id", "item_id", "entity_timestamp", "item_timestamp"}) {
        EXPECT_THAT(run.err, HasSubstr(std::string("variable '") + variable + "' is not given for this file;"));
    }
    EXPECT_THAT(run.err, HasSubstr("PatientID not created (removed by line "));
    EXPECT_THAT(run.err, Not(HasSubstr("PatientID left unchanged")));
    EXPECT_THAT(run.err, HasSubstr("deid put: the same warning for 6 more files: (0010,0020): variable 'entity_id'"));
}

// -------------------------------------------------- 7. exit statuses --

TEST(Messages, Item7QuarantinedAndFlaggedFilesHaveTheirOwnExitStatus) {
    // Every sample file is flagged by the bundled blacklist or graylist.
    CleanOptions clean;
    clean.inputs = {kData / "deid-data" / "humans"};
    clean.output = testing::scratch_dir() / "cleaned";
    clean.progress = ProgressStyle::none;
    const auto cleaned = testing::run_command(run_clean, clean);
    EXPECT_EQ(cleaned.status, kExitSetAside) << cleaned.err;
    EXPECT_THAT(cleaned.err, HasSubstr("2 quarantined"));

    InspectOptions inspect;
    inspect.inputs = {kData / "deid-data" / "humans"};
    inspect.progress = ProgressStyle::none;
    EXPECT_EQ(testing::run_command(run_inspect, inspect).status, kExitOk);
    inspect.fail_on = {"graylist"};
    const auto failing = testing::run_command(run_inspect, inspect);
    EXPECT_EQ(failing.status, kExitSetAside);
    EXPECT_THAT(failing.err, HasSubstr("; 2 flagged by --fail-on"));
    inspect.fail_on = {"blaklist"};
    const auto typo = testing::run_command(run_inspect, inspect);
    EXPECT_EQ(typo.status, kExitRecipeError);
    EXPECT_THAT(typo.err, HasSubstr("--fail-on names no %filter group 'blaklist' (the recipes have: whitelist, "
                                    "graylist, blacklist)"));
}

// ---------------------------------------------- 8. Latin-1 values --

// CT_small (ISO_IR 100) with the patient's name in Latin-1 bytes.
std::filesystem::path latin1_file() {
    DcmFileFormat file;
    EXPECT_TRUE(file.loadFile(kCtSmall.c_str()).good());
    file.getDataset()->putAndInsertString(DCM_PatientName, "M\xfcller^J\xfcrgen");
    const auto path = testing::scratch_dir() / "in" / "latin1.dcm";
    std::filesystem::create_directories(path.parent_path());
    EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    return path;
}

TEST(Messages, Item8Latin1ValuesAreDecodedAndWrittenBackAsUtf8) {
    const auto input = latin1_file();
    GetOptions get;
    get.inputs = {input};
    get.progress = ProgressStyle::none;
    const auto got = testing::run_command(run_get, get);
    ASSERT_EQ(got.status, 0) << got.err;
    auto json = nlohmann::json::parse(got.out);
    EXPECT_EQ(json[input.string()]["(0010,0010)"]["value"], "Müller^Jürgen");

    // get -> edit -> put --ids: the edited UTF-8 value lands as UTF-8.
    json[input.string()]["(0010,0010)"]["value"] = "Müller^Jörg";
    json[input.string()]["subject"] = "Zoë";
    const auto ids = testing::write_text(testing::scratch_dir() / "ids.json", json.dump());
    auto options = put_options({input}, "FORMAT dicom\n%header\nREPLACE PatientName var:(0010,0010)\n"
                                        "REPLACE PatientID var:subject\n");
    options.identifiers = ids;
    const auto run = testing::run_command(run_put, options);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("latin1.dcm: warning: values converted from ISO_IR 100 to UTF-8: "
                                   "SpecificCharacterSet is now ISO_IR 192"));
    const auto output = options.output / "latin1.dcm";
    EXPECT_EQ(value_of(output, DCM_SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(value_of(output, DCM_PatientName), "Müller^Jörg");
    EXPECT_EQ(value_of(output, DCM_PatientID), "Zoë");
}

TEST(Messages, Item8AUtf8ValueWrittenIntoAnAsciiFileDeclaresIt) {
    auto options = put_options({kCtSmall}, "FORMAT dicom\n%header\nREPLACE PatientName Zoë^Brontë\n");
    const auto run = testing::run_command(run_put, options);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("CT_small.dcm: warning: a value written holds characters beyond ASCII (UTF-8): "
                                   "SpecificCharacterSet is now ISO_IR 192"));
    EXPECT_EQ(value_of(options.output / "CT_small.dcm", DCM_SpecificCharacterSet), "ISO_IR 192");
}

// ---------------------------------------- 9. --ids, --vars, --explain --

TEST(Messages, Item9IdsMatchNormalisedPathsAndWarnForEntriesThatMatchNothing) {
    const auto folder = testing::scratch_dir() / "in";
    std::filesystem::create_directories(folder);
    std::filesystem::copy_file(kCtBrain, folder / "ct.dcm");
    const std::string spelt_otherwise = (folder / "." / "sub" / ".." / "ct.dcm").string();
    const auto ids = testing::write_text(testing::scratch_dir() / "ids.json",
                                         nlohmann::json{{spelt_otherwise, {{"subject", "S-1"}}},
                                                        {"elsewhere/ct.dcm", {{"subject", "S-2"}}}}
                                             .dump());
    auto options = put_options({folder}, "FORMAT dicom\n%header\nREPLACE PatientID var:subject\n");
    options.identifiers = ids;
    const auto run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(value_of(options.output / "ct.dcm", DCM_PatientID), "S-1");
    EXPECT_THAT(run.err, HasSubstr(ids.string() + ": warning: the entry 'elsewhere/ct.dcm' names no input of this "
                                   "run (not given, or spelt differently); its variables are not used\n"));
    EXPECT_THAT(run.err, Not(HasSubstr("the entry '" + spelt_otherwise)));
}

TEST(Messages, Item9BadVariablesFilesSayWhereAndWhat) {
    auto options = put_options({kCtBrain}, "FORMAT dicom\n%header\nREPLACE PatientID var:subject\n");
    options.variables = testing::write_text(testing::scratch_dir() / "vars.json", "{\"subject\": {\"id\": 1}}");
    auto run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, kExitRecipeError);
    EXPECT_EQ(run.err, options.variables->string() + ": error: 'subject' is an object; a variable is a string, a "
                                                     "number, true/false or a list of them\n");
    options.variables = testing::write_text(testing::scratch_dir() / "vars.json", "{\"subject\": [[1, 2]]}");
    run = testing::run_command(run_put, options);
    EXPECT_THAT(run.err, HasSubstr("'subject' is a list holding a list; a variable is"));
    options.variables = testing::write_text(testing::scratch_dir() / "vars.json", "{\n  \"subject\": \"S-1\",\n  oops\n}");
    run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, kExitRecipeError);
    EXPECT_THAT(run.err, HasSubstr(options.variables->string() + ":3:3: error: invalid JSON: syntax error while "
                                                                 "parsing object key"));
    options.variables.reset();
    options.identifiers = testing::write_text(testing::scratch_dir() / "ids.json", "{\"a.dcm\": [1]}");
    run = testing::run_command(run_put, options);
    EXPECT_THAT(run.err, HasSubstr("error: the entry of 'a.dcm' is a list; a file's entry is an object of variables"));
}

TEST(Messages, Item9ExplainNamingNoInputIsAnError) {
    auto options = put_options({kCtBrain}, "FORMAT dicom\n%header\nREMOVE PatientName\n");
    options.explain = kCtSmall;
    const auto run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, kExitRecipeError);
    EXPECT_EQ(run.err, "deid put: error: --explain " + kCtSmall.string() + " names no input file of this run\n");
    EXPECT_FALSE(std::filesystem::exists(options.output));
}

// ------------------------------------- 10. what a Lua hook returns --

TEST(Messages, Item10ALuaValueLongerThanItsVrIsCutNeverMadeUn) {
    const auto script = testing::write_text(testing::scratch_dir() / "hooks.lua",
                                            "function huge(field) return string.rep('A', 10 * 1024 * 1024) end\n"
                                            "function nested(field) return {{'a'}, 'b'} end\n");
    auto options = put_options({kCtBrain}, "FORMAT dicom\n%header\nREPLACE PatientName func:huge\n");
    options.lua_scripts = {script};
    auto run = testing::run_command(run_put, options);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("ctbrain1.dcm: warning: (0010,0010): a value longer than PN allows was cut to its "
                                   "maximum length (" + options.recipes[0].string() + ":3)"));
    DcmFileFormat written;
    ASSERT_TRUE(written.loadFile((options.output / "ctbrain1.dcm").c_str()).good());
    DcmElement* name = nullptr;
    ASSERT_TRUE(written.getDataset()->findAndGetElement(DCM_PatientName, name).good());
    EXPECT_EQ(name->getVR(), EVR_PN);
    EXPECT_EQ(value_of(options.output / "ctbrain1.dcm", DCM_PatientName), std::string(64, 'A'));

    // A table inside the returned array is no value: the file fails, saying so.
    options.recipes = {testing::write_text(testing::scratch_dir() / "nested.deid",
                                           "FORMAT dicom\n%header\nREPLACE PatientID func:nested\n")};
    options.output = testing::scratch_dir() / "nested-out";
    run = testing::run_command(run_put, options);
    EXPECT_EQ(run.status, kExitFileFailed);
    EXPECT_THAT(run.err, HasSubstr("ctbrain1.dcm: error: hooks.lua:2: func:nested returned an array "
                                   "whose item 1 is a table; expected strings or numbers (called from " +
                                   options.recipes[0].string() + ":3 for (0010,0020) in " + kCtBrain.string() + ")"));
    EXPECT_FALSE(std::filesystem::exists(options.output / "ctbrain1.dcm"));
}

// ------------------------------------------- 12. usage, help, -j --

TEST(Messages, Item12UsageNamesTheProgramAndHelpWorks) {
    auto run = program({"put", "--help"});
    EXPECT_EQ(run.status, 0);
    EXPECT_THAT(run.out, HasSubstr("Usage: deid put [OPTIONS] inputs..."));
    EXPECT_THAT(run.out, HasSubstr("Exit status: 0 all done; 1 some file failed"));
    run = program({"help", "lint"});
    EXPECT_EQ(run.status, 0);
    EXPECT_THAT(run.out, HasSubstr("Usage: deid lint [OPTIONS] [recipes...]"));
    run = program({"help", "nope"});
    EXPECT_EQ(run.status, kExitRecipeError);
    EXPECT_EQ(run.err, "deid help: no command 'nope' (deid help lists them)\n");
}

TEST(Messages, Item12AnAbsurdNumberOfWorkersIsRefusedUpFront) {
    const auto out = testing::scratch_dir() / "out";
    const auto run = program({"put", kCtBrain.string(), "--default", "-o", out.string(), "-j", "100000"});
    EXPECT_EQ(run.status, kExitRecipeError);
    EXPECT_THAT(run.err, HasSubstr("--jobs: Value 100000 not in range 0 to 4096"));
    EXPECT_FALSE(std::filesystem::exists(out));
}

// Every option --help lists is in the README's synopsis of the command.
TEST(Messages, Item12ReadmeSynopsesListEveryOption) {
    const std::string readme = testing::read_bytes(testing::kSourceDir / "README.md");
    for (const std::string command : {"put", "get", "inspect", "clean", "lint", "verify", "import-ctp"}) {
        // Every synopsis of the command together (a section may show a short one).
        std::string synopsis;
        for (auto start = readme.find("\ndeid " + command + " "); start != std::string::npos;
             start = readme.find("\ndeid " + command + " ", start + 1)) {
            const auto end = std::min(readme.find("\ndeid ", start + 1), readme.find("```", start));
            synopsis += readme.substr(start, end - start);
        }
        ASSERT_FALSE(synopsis.empty()) << "no synopsis of deid " << command;
        const auto help = program({command, "--help"}).out;
        std::istringstream lines(help);
        for (std::string line; std::getline(lines, line);) {
            const auto dashes = line.find("--");
            if (dashes == std::string::npos || line.find_first_not_of(' ') != dashes - (line[dashes - 1] == ',' ? 3 : 0)) {
                continue;
            }
            const std::string option = line.substr(dashes, line.find_first_of(" ,", dashes) - dashes);
            if (option == "--help") {
                continue;
            }
            EXPECT_THAT(synopsis, HasSubstr(option)) << "deid " << command << " synopsis lacks " << option;
        }
    }
}

}  // namespace
}  // namespace deid
