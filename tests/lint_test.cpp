// The resolver as `deid lint` uses it: names bound against the real DICOM
// dictionary, every diagnostic of the foundation issue with its exact text
// and position, the spec's traps, and the reference and shipped recipes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/compile.hpp"
#include "engine/lint_command.hpp"
#include "engine/run_gate.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using testing::located;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Linted {
    plan::Plan plan;
    Diagnostics diagnostics;
};

Linted lint(std::string_view text, ResolveOptions options = {}) {
    Linted linted;
    const auto recipe = grammar::parse_recipe(text, "test.deid", linted.diagnostics);
    const auto combined = ast::combine({recipe}, linted.diagnostics);
    linted.plan = resolve(combined, standard_dictionary(), options, linted.diagnostics);
    return linted;
}

std::vector<std::string> lint_header(std::string_view actions) {
    return located(lint("FORMAT dicom\n%header\n" + std::string(actions)).diagnostics);
}

std::vector<std::string> lint_filter(std::string_view label_body) {
    return located(lint("FORMAT dicom\n%filter graylist\nLABEL test\n" + std::string(label_body)).diagnostics);
}

// ------------------------------------------------------------- binding --

TEST(Lint, BindsKeywordsNamesTagsAndPrivateForms) {
    const auto linted = lint(
        "FORMAT dicom\n%header\n"
        "REMOVE PatientName\n"
        "REMOVE patientid\n"
        "REMOVE (0008,0080)\n"
        "REMOVE 0019,\"SIEMENS CT VA0  COAD\",90\n"
        "REMOVE ReferencedImageSequence__ReferencedSOPInstanceUID\n"
        "REMOVE (0008,1140)__0__(0008,1155)\n");
    EXPECT_THAT(located(linted.diagnostics), IsEmpty());
    ASSERT_EQ(linted.plan.actions.size(), 6u);
    const auto name = std::get<plan::TagMatch>(linted.plan.actions[0].field.selector);
    EXPECT_EQ(name.group, 0x0010);
    EXPECT_EQ(name.element, 0x0010);
    const auto lower = std::get<plan::TagMatch>(linted.plan.actions[1].field.selector);
    EXPECT_EQ(lower.element, 0x0020);
    const auto tag = std::get<plan::TagMatch>(linted.plan.actions[2].field.selector);
    EXPECT_EQ(tag.group, 0x0008);
    EXPECT_EQ(tag.element, 0x0080);
    const auto priv = std::get<plan::PrivateMatch>(linted.plan.actions[3].field.selector);
    EXPECT_EQ(priv.creator, "SIEMENS CT VA0  COAD");
    EXPECT_EQ(priv.element_offset, 0x90);
    EXPECT_TRUE(std::holds_alternative<plan::NestedNameMatch>(linted.plan.actions[4].field.selector));
    EXPECT_TRUE(std::holds_alternative<plan::NestedNameMatch>(linted.plan.actions[5].field.selector));
}

TEST(Lint, UnknownKeywordIsAnErrorWithSuggestion) {
    EXPECT_THAT(lint_header("REMOVE PatientsNme\n"),
                ElementsAre("3:8: error: unknown DICOM keyword 'PatientsNme' (did you mean 'PatientName'?)"));
    EXPECT_THAT(lint_header("BLANK Qwertyuiop\n"), ElementsAre("3:7: error: unknown DICOM keyword 'Qwertyuiop'"));
    EXPECT_THAT(lint_header("REMOVE ReferencedImageSequense__ReferencedSOPInstanceUID\n"),
                ElementsAre("3:8: error: unknown DICOM keyword 'ReferencedImageSequense' (did you mean "
                            "'ReferencedImageSequence'?)"));
}

TEST(Lint, FortyMisspeltKeywordsGiveFortyErrorsOnTheirLines) {
    // Each misspelling is one edit or two from a real keyword.
    const std::vector<std::pair<std::string, std::string>> misspelt = {
        {"PatientNme", "PatientName"},        {"PatientIDD", "PatientID"},
        {"StudyDat", "StudyDate"},            {"Modalty", "Modality"},
        {"InstitutionNam", "InstitutionName"}, {"AccesionNumber", "AccessionNumber"},
        {"PatientBirthDat", "PatientBirthDate"}, {"PatientSexx", "PatientSex"},
        {"StudyTme", "StudyTime"},            {"SeriesDat", "SeriesDate"},
        {"ReferringPhysicianNam", "ReferringPhysicianName"}, {"StudyDescriptoin", "StudyDescription"},
        {"SeriesDescriptoin", "SeriesDescription"}, {"OperatorsNam", "OperatorsName"},
        {"PatientAddres", "PatientAddress"},  {"PatientAg", "PatientAge"},
        {"PatientWieght", "PatientWeight"},   {"PatientSize_", "PatientSize"},
        {"StudyInstanceUDI", "StudyInstanceUID"}, {"SeriesInstanceUDI", "SeriesInstanceUID"},
        {"SOPInstanceUDI", "SOPInstanceUID"}, {"FrameOfReferenceUDI", "FrameOfReferenceUID"},
        {"StationNam", "StationName"},        {"Manufacturre", "Manufacturer"},
        {"ManufacturerModelNam", "ManufacturerModelName"}, {"DeviceSerialNumbr", "DeviceSerialNumber"},
        {"SoftwareVersons", "SoftwareVersions"}, {"ProtocolNam", "ProtocolName"},
        {"ContentDat", "ContentDate"},        {"AcquisitionDat", "AcquisitionDate"},
        {"InstitutionAddres", "InstitutionAddress"}, {"PerformingPhysicianNam", "PerformingPhysicianName"},
        {"OtherPatientIDz", "OtherPatientIDs"}, {"EthnicGrop", "EthnicGroup"},
        {"PatientComents", "PatientComments"}, {"BodyPartExamind", "BodyPartExamined"},
        {"ImageComents", "ImageComments"},    {"RequestingPhysican", "RequestingPhysician"},
        {"MedicalRecordLocatr", "MedicalRecordLocator"}, {"PatientTelephoneNumbrs", "PatientTelephoneNumbers"},
    };
    ASSERT_EQ(misspelt.size(), 40u);
    std::string recipe = "FORMAT dicom\n%header\n";
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < misspelt.size(); ++i) {
        recipe += "REMOVE " + misspelt[i].first + "\n";
        expected.push_back(std::to_string(i + 3) + ":8: error: unknown DICOM keyword '" + misspelt[i].first +
                           "' (did you mean '" + misspelt[i].second + "'?)");
    }
    const auto linted = lint(recipe);
    EXPECT_EQ(located(linted.diagnostics), expected);
    EXPECT_EQ(linted.diagnostics.error_count(), 40u);
}

TEST(Lint, LegacyAndCtpAliasesBindWithAWarning) {
    const auto linted = lint("FORMAT dicom\n%header\nREMOVE PatientsName\nREMOVE RefSOPInstanceUID\n");
    EXPECT_THAT(located(linted.diagnostics),
                ElementsAre("3:8: warning: 'PatientsName' is the pre-2017 keyword of PatientName (0010,0010); write "
                            "PatientName (older tools match nothing for it)",
                            "4:8: warning: 'RefSOPInstanceUID' is the RSNA CTP name of ReferencedSOPInstanceUID "
                            "(0008,1155); write ReferencedSOPInstanceUID (older tools match nothing for it)"));
    ASSERT_EQ(linted.plan.actions.size(), 2u);
    EXPECT_EQ(std::get<plan::TagMatch>(linted.plan.actions[0].field.selector).element, 0x0010);
    EXPECT_EQ(std::get<plan::TagMatch>(linted.plan.actions[1].field.selector).element, 0x1155);
}

TEST(Lint, PrivateCreatorFormNeedsAnOddGroup) {
    EXPECT_THAT(lint_header("REMOVE (0010,\"ACME\",10)\n"),
                ElementsAre("3:8: error: group 0010 is not private (private groups are odd): '(0010,\"ACME\",10)'"));
}

TEST(Lint, InvalidRegexIsReportedWhereThePatternStands) {
    EXPECT_THAT(lint_header("REMOVE contains:Patient(\n"),
                ElementsAre("3:17: error: invalid regular expression in contains: 'Patient(': missing ): Patient("));
    EXPECT_THAT(lint_filter("  contains SeriesDescription [Dose\n"),
                ElementsAre("4:30: error: invalid regular expression in filter value '[Dose': missing ]: [Dose"));
}

TEST(Lint, UnknownValueRepresentation) {
    EXPECT_THAT(lint_header("BLANK select:VR:XY\n"), ElementsAre("3:17: error: unknown value representation 'XY'"));
}

TEST(Lint, GroupsMustBeDefined) {
    EXPECT_THAT(lint_header("REMOVE fields:people\n"),
                ElementsAre("3:15: error: fields:people names no %fields group (none is defined)"));
    const auto linted = lint("FORMAT dicom\n%values names\nFIELD PatientName\n%header\nBLANK values:name\n");
    EXPECT_THAT(located(linted.diagnostics),
                ElementsAre("5:14: error: values:name names no %values group (defined: names) (did you mean 'names'?)"));
}

// ------------------------------------------------------------- values --

TEST(Lint, BuiltinsAndTheirOptionsAreChecked) {
    EXPECT_THAT(lint_header("REPLACE StudyDate deid_func:jiter days=2\n"),
                ElementsAre("3:29: error: unknown built-in 'deid_func:jiter' (expected jitter, basic_uuid, "
                            "simple_uuid, suffix_uuid, dicom_uuid, pydicom_uuid, dummy, consistent_uid, shift_date, "
                            "clean_text, hash_uid, hash_id) (did you mean 'jitter'?)"));
    EXPECT_THAT(lint_header("REPLACE StudyDate deid_func:jitter dayz=2\n"),
                ElementsAre("3:36: error: unknown option 'dayz' for deid_func:jitter (expected days, years) (did you "
                            "mean 'days'?)"));
    EXPECT_THAT(lint_header("REPLACE StudyDate deid_func:jitter days=two\n"),
                ElementsAre("3:36: error: option 'days' of deid_func:jitter needs a whole number, found 'two'"));
    EXPECT_THAT(lint_header("REPLACE SOPInstanceUID deid_func:pydicom_uuid stable_remapping=yes\n"),
                ElementsAre("3:47: error: option 'stable_remapping' of deid_func:pydicom_uuid needs true or false, "
                            "found 'yes'"));
    EXPECT_THAT(lint_header("REPLACE PatientID deid_func:basic_uuid x=1\n"),
                ElementsAre("3:40: error: unknown option 'x' for deid_func:basic_uuid (it takes none)"));
    EXPECT_THAT(lint_header("REPLACE StudyDate deid_func:jitter days=-2 years=1\n"), IsEmpty());
}

TEST(Lint, JitterNeedsWholeDaysOnADate) {
    EXPECT_THAT(lint_header("JITTER StudyDate 1.5\n"),
                ElementsAre("3:18: error: JITTER needs a whole number of days, var:NAME or func:NAME; found '1.5'"));
    EXPECT_THAT(lint_header("JITTER PatientName 3\n"),
                ElementsAre("3:20: warning: jitter shifts dates (DA, DT); PatientName is PN and will be left as it is"));
    EXPECT_THAT(lint_header("JITTER StudyDate -400\nJITTER AcquisitionDateTime var:shift\n"), IsEmpty());
}

TEST(Lint, UserFunctionsAreCheckedWhenTheScriptsAreKnown) {
    const auto linted = lint("FORMAT dicom\n%header\nREPLACE PatientName func:lookup\nREMOVE ALL func:is_phi\n",
                             ResolveOptions{std::set<std::string>{"is_phi"}});
    EXPECT_THAT(located(linted.diagnostics),
                ElementsAre("3:21: error: func:lookup is not defined by the Lua scripts given with --lua"));
}

// -------------------------------------------------------------- traps --

TEST(Lint, RemoveWithAValueThatDoesNotFilterWarns) {
    EXPECT_THAT(lint_header("REMOVE ALL contains:\\d{7}\n"),
                ElementsAre("3:12: warning: REMOVE does not filter by 'contains:\\d{7}': every element ALL selects is "
                            "removed (only func:NAME decides per element; to remove by value, use REMOVE values:GROUP)",
                            // ...and so it removes the instance's identity too.
                            "3:1: warning: REMOVE ALL removes SOPInstanceUID (0008,0018) and nothing gives it a new "
                            "value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID "
                            "deid_func:pydicom_uuid')",
                            "3:1: warning: REMOVE ALL removes SOPClassUID (0008,0016) and nothing gives it a new "
                            "value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names the "
                            "kind of object, not the patient)"));
    EXPECT_THAT(lint_header("REMOVE PatientName func:is_phi\n"), IsEmpty());
}

TEST(Lint, QuotesInALiteralAreKeptAndWarned) {
    EXPECT_THAT(lint_header("REPLACE PatientName \"ANON\"\n"),
                ElementsAre("3:21: warning: the quotes are part of the value: PatientName becomes \"ANON\" with the "
                            "quote characters (write the value without quotes)"));
}

TEST(Lint, UnbalancedQuoteInALiteralWarns) {
    EXPECT_THAT(lint_header("REPLACE PatientName \"ANON\n"),
                ElementsAre("3:21: warning: unbalanced '\"' in the value: PatientName becomes \"ANON with the quote "
                            "character"));
}

TEST(Lint, DocumentedAliasesOfOlderToolsAreNoted) {
    EXPECT_THAT(lint_header("BLANK allexcept:Modality\nBLANK exceptfields:Rows\nBLANK allfields\n"),
                ElementsAre("3:17: note: 'allexcept:' means except: here; the established tool selects nothing for it",
                            "4:20: note: 'exceptfields:' means except: here; the established tool selects nothing for it",
                            "5:7: note: 'allfields' selects every element here, like ALL; the established tool selects "
                            "nothing for it"));
    const auto linted = lint("FORMAT dicom\n%values v\nSPLIT PatientName splitval=\"^\"\n");
    EXPECT_THAT(located(linted.diagnostics),
                ElementsAre("3:19: note: splitval= is read as by= here; the established tool ignores splitval= and "
                            "splits on spaces"));
}

TEST(Lint, EqualsWithAlternativesIsNoted) {
    const auto linted = lint("FORMAT dicom\n%filter graylist\nLABEL alt\n  equals Modality CT|MR\n");
    EXPECT_THAT(located(linted.diagnostics),
                ElementsAre("4:19: note: 'CT|MR' is compared as alternatives separated by '|'; the established tool "
                            "compares the whole text literally and never matches it"));
    const auto& criterion = linted.plan.filters.at(0).labels.at(0).lines.at(0).criteria.at(0);
    EXPECT_EQ(criterion.alternatives, (std::vector<std::string>{"ct", "mr"}));
}

// "file:line:col: severity: message" for each diagnostic of a %header, as `deid lint` prints it.
std::vector<std::string> lint_printed(std::string_view recipe) {
    const Linted linted = lint("FORMAT dicom\n" + std::string(recipe));
    std::vector<std::string> printed;
    for (const auto& d : linted.diagnostics.all()) {
        printed.push_back(format_text(d));
    }
    return printed;
}

// Issue 11 item 8: the established tool takes the rest of an action line,
// comment included, as the value and cuts it at '#' (blanks before kept).
TEST(Lint, TrailingCommentIsNotedWhereTheEstablishedToolReadsItAsValue) {
    EXPECT_THAT(lint_printed("%header\nREMOVE PatientAddress # why: home address\nREMOVE PatientID  #\n"),
                ElementsAre("test.deid:3:23: note: '# why: home address' is a comment here; the established tool "
                            "reads it as REMOVE's value, and there REMOVE PatientAddress removes nothing",
                            "test.deid:4:19: note: '#' is a comment here; the established tool reads it as REMOVE's "
                            "value, and there REMOVE PatientID removes nothing"));
    // It cuts other values at '#', blanks before it kept: a var: or func: name then names nothing.
    EXPECT_THAT(lint_printed("%header\nREPLACE PatientID var:new_id # research ID\nADD PatientName func:pseudonym #\n"
                             "JITTER StudyDate var:shift#days\n"),
                ElementsAre("test.deid:3:30: note: '# research ID' is a comment here; the established tool keeps the "
                            "blank before it in the value, looks for variable 'new_id ', finds none, and there "
                            "REPLACE PatientID does nothing",
                            "test.deid:4:32: note: '#' is a comment here; the established tool keeps the blank before "
                            "it in the value, looks for function 'pseudonym ', finds none, and there ADD PatientName "
                            "does nothing"));
    // Literals only gain blanks DICOM ignores; BLANK and KEEP ignore the rest of the line.
    EXPECT_THAT(lint_printed("%header\nADD PatientIdentityRemoved YES # done\nBLANK PatientName # name\n"
                             "KEEP Modality # kept\nJITTER StudyDate 3 # shift\n# REMOVE PatientID # whole line\n"
                             "REPLACE SOPInstanceUID deid_func:pydicom_uuid # stable\n"),
                IsEmpty());
}

// Item 9: pydicom gives elements of repeating groups no keyword.
TEST(Lint, RepeatingGroupKeywordIsNoted) {
    EXPECT_THAT(lint_printed("%header\nREMOVE OverlayData\nBLANK CurveData\nREMOVE OverlayComments\n"),
                ElementsAre("test.deid:3:8: note: 'OverlayData' is the repeating group (60xx,3000): here it selects "
                            "the element in every group of the range; the established tool matches nothing for it",
                            "test.deid:4:7: note: 'CurveData' is the repeating group (50xx,3000): here it selects the "
                            "element in every group of the range; the established tool matches nothing for it",
                            "test.deid:5:8: note: 'OverlayComments' is the repeating group (60xx,4000): here it "
                            "selects the element in every group of the range; the established tool matches nothing "
                            "for it"));
    EXPECT_THAT(lint_printed("%filter graylist\nLABEL Overlay\n  contains OverlayDescription Siemens\n"),
                ElementsAre("test.deid:4:12: note: 'OverlayDescription' is the repeating group (60xx,0022): here it "
                            "selects the element in every group of the range; the established tool matches nothing "
                            "for it"));
    EXPECT_THAT(lint_printed("%header\nREMOVE (6000,3000)\nREMOVE contains:Overlay\n"), IsEmpty());
}

// Item 10: the writer rebuilds these file-meta elements; an action on them is silently undone.
TEST(Lint, ActionOnARebuiltFileMetaElementWarns) {
    EXPECT_THAT(lint_printed("%header\nREPLACE MediaStorageSOPInstanceUID 1.2.3.4\nREMOVE (0002,0002)\n"
                             "BLANK ImplementationVersionName\nREPLACE TransferSyntaxUID 1.2.840.10008.1.2\n"),
                ElementsAre("test.deid:3:1: warning: REPLACE MediaStorageSOPInstanceUID has no effect on the output: "
                            "the meta header is rebuilt when the file is written, and MediaStorageSOPInstanceUID "
                            "(0002,0003) follows the dataset's SOPInstanceUID (0008,0018); act on SOPInstanceUID "
                            "instead",
                            "test.deid:4:1: warning: REMOVE (0002,0002) has no effect on the output: the meta header "
                            "is rebuilt when the file is written, and MediaStorageSOPClassUID (0002,0002) follows the "
                            "dataset's SOPClassUID (0008,0016); act on SOPClassUID instead",
                            "test.deid:5:1: warning: BLANK ImplementationVersionName has no effect on the output: the "
                            "meta header is rebuilt when the file is written, and ImplementationVersionName "
                            "(0002,0013) names deid as the implementation that wrote the file",
                            "test.deid:6:1: warning: REPLACE TransferSyntaxUID has no effect on the output: the meta "
                            "header is rebuilt when the file is written, and TransferSyntaxUID (0002,0010) names the "
                            "transfer syntax of the output, which is the input's"));
    // Kept as they are, and other meta elements, are written as the recipe leaves them.
    EXPECT_THAT(lint_printed("%header\nKEEP MediaStorageSOPInstanceUID\nREPLACE SourceApplicationEntityTitle X\n"),
                IsEmpty());
}

// Item 11: the other places the spec marks where older tools act differently.
TEST(Lint, LowercaseActionIsNoted) {
    EXPECT_THAT(lint_printed("%header\nremove PatientID\nBlank PatientName\nREMOVE PatientAddress\n"),
                ElementsAre("test.deid:3:1: note: 'remove' acts here as REMOVE; the established tool ignores an "
                            "action not written in capitals",
                            "test.deid:4:1: note: 'Blank' acts here as BLANK; the established tool ignores an action "
                            "not written in capitals"));
}

TEST(Lint, KeepOfAFieldsOrValuesGroupIsNoted) {
    EXPECT_THAT(lint_printed("%fields ids\nFIELD PatientID\n%values names\nFIELD PatientName\n%header\n"
                             "KEEP fields:ids\nKEEP values:names\nREMOVE values:names\n"),
                ElementsAre("test.deid:7:6: note: KEEP fields:ids protects the group's elements here; the "
                            "established tool protects nothing with it",
                            "test.deid:8:6: note: KEEP values:names protects the group's elements here; the "
                            "established tool protects nothing with it"));
}

TEST(Lint, JitterOnTimeDecimalOrShortStringIsNoted) {
    EXPECT_THAT(lint_printed("%header\nJITTER StudyTime 5\nJITTER SliceThickness 1\nJITTER StationName 2\n"
                             "JITTER PatientName 3\n"),
                ElementsAre("test.deid:3:18: warning: jitter shifts dates (DA, DT); StudyTime is TM and will be left "
                            "as it is",
                            "test.deid:3:18: note: the established tool's lenient date parser turns a TM value into a "
                            "date, filling what is missing from today's date, so its output differs from day to day",
                            "test.deid:4:23: warning: jitter shifts dates (DA, DT); SliceThickness is DS and will be "
                            "left as it is",
                            "test.deid:4:23: note: the established tool's lenient date parser turns a DS value into a "
                            "date, filling what is missing from today's date, so its output differs from day to day",
                            "test.deid:5:20: warning: jitter shifts dates (DA, DT); StationName is SH and will be "
                            "left as it is",
                            "test.deid:5:20: note: the established tool's lenient date parser turns a SH value into a "
                            "date, filling what is missing from today's date, so its output differs from day to day",
                            "test.deid:6:20: warning: jitter shifts dates (DA, DT); PatientName is PN and will be "
                            "left as it is"));
}

// Item 3: the established tool's code registers basic_uuid; its documentation says simple_uuid.
TEST(Lint, SimpleUuidIsNotedAndBasicUuidBinds) {
    EXPECT_THAT(lint_printed("%header\nREPLACE PatientID deid_func:basic_uuid\n"), IsEmpty());
    EXPECT_THAT(lint_printed("%header\nREPLACE PatientID deid_func:simple_uuid\n"),
                ElementsAre("test.deid:3:29: note: deid_func:simple_uuid exists only here: the established tool's "
                            "documentation names it, but its code registers deid_func:basic_uuid (the same random "
                            "UUID4) and leaves the element as it was for simple_uuid"));
}

TEST(Lint, RemovingSopInstanceUidWithoutReplacementWarns) {
    EXPECT_THAT(lint_header("REMOVE contains:UID\n"),
                ElementsAre("3:1: warning: REMOVE contains:UID removes SOPInstanceUID (0008,0018) and nothing gives it "
                            "a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID "
                            "deid_func:pydicom_uuid')",
                            "3:1: warning: REMOVE contains:UID removes SOPClassUID (0008,0016) and nothing gives it a "
                            "new value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names "
                            "the kind of object, not the patient)"));
    EXPECT_THAT(lint_header("REMOVE contains:UID\nREPLACE SOPInstanceUID deid_func:pydicom_uuid\nKEEP SOPClassUID\n"),
                IsEmpty());
    EXPECT_THAT(lint_header("REMOVE SOPInstanceUID\nADD SOPInstanceUID var:new_uid\n"), IsEmpty());
}

TEST(Lint, ActionsMadeDeadByKeepOrAnEarlierRemove) {
    EXPECT_THAT(lint_header("KEEP PatientName\nBLANK PatientName\n"),
                ElementsAre("4:1: warning: BLANK PatientName has no effect: KEEP PatientName at line 3 protects it "
                            "(KEEP wins over everything but ADD)"));
    EXPECT_THAT(lint_header("BLANK StudyDate\nKEEP select:group:0008\n"),
                ElementsAre("3:1: warning: BLANK StudyDate has no effect: KEEP select:group:0008 at line 4 protects "
                            "it (KEEP wins over everything but ADD)"));
    EXPECT_THAT(lint_header("REMOVE PatientName\nREMOVE PatientsName\n"),
                ElementsAre("4:8: warning: 'PatientsName' is the pre-2017 keyword of PatientName (0010,0010); write "
                            "PatientName (older tools match nothing for it)",
                            "4:1: warning: REMOVE PatientsName has no effect: REMOVE PatientName at line 3 already "
                            "removed it"));
    EXPECT_THAT(lint_header("REMOVE contains:Trial\nREMOVE ClinicalTrialSponsorName\n"),
                ElementsAre("4:1: warning: REMOVE ClinicalTrialSponsorName has no effect: REMOVE contains:Trial at "
                            "line 3 already removed it"));
    EXPECT_THAT(lint_header("REMOVE PatientID\nREPLACE PatientID R1\n"),
                ElementsAre("3:1: warning: REMOVE PatientID has no effect: REPLACE PatientID at line 4 targets it, "
                            "and REMOVE skips REPLACE and JITTER targets"));
    // ADD re-creates what was removed; the later BLANK acts on it.
    EXPECT_THAT(lint_header("REMOVE PatientID\nADD PatientID X\nBLANK PatientID\n"), IsEmpty());
    // KEEP does not stop ADD.
    EXPECT_THAT(lint_header("KEEP PatientID\nADD PatientID A1\n"), IsEmpty());
}

// ------------------------------------------------------------- filters --

TEST(Lint, FilterFieldsAndRegionsAreChecked) {
    EXPECT_THAT(lint_filter("  contains Modalty CT\n"),
                ElementsAre("4:12: error: unknown DICOM keyword 'Modalty' (did you mean 'Modality'?)"));
    EXPECT_THAT(lint_filter("  notequals OperatorsName bold bread\n"), IsEmpty());
    EXPECT_THAT(lint_filter("  contains PatientsName SMITH\n"),
                ElementsAre("4:12: warning: 'PatientsName' is the pre-2017 keyword of PatientName (0010,0010); "
                            "write PatientName (older tools match nothing for it)"));
    EXPECT_THAT(lint_filter("  coordinates from:Modality\n"),
                ElementsAre("4:20: error: from:Modality must name a sequence of regions such as "
                            "SequenceOfUltrasoundRegions; Modality is CS"));
    EXPECT_THAT(lint_filter("  coordinates 10,10,5,20\n"),
                ElementsAre("4:15: error: empty region '10,10,5,20': xmin must be below xmax and ymin below ymax"));
    EXPECT_THAT(lint_filter("  ctpcoordinates -1,0,10,10\n"),
                ElementsAre("4:18: error: coordinates cannot be negative: '-1,0,10,10'"));
    EXPECT_THAT(located(lint("FORMAT dicom\n%filter graylist\nLABEL nothing\n").diagnostics),
                ElementsAre("3:1: warning: LABEL 'nothing' has no criteria and no coordinates: it never matches"));
}

TEST(Lint, CtpCoordinatesAreConverted) {
    const auto linted = lint("FORMAT dicom\n%filter graylist\nLABEL x\n  ctpcoordinates 350,0,162,30\n");
    EXPECT_THAT(located(linted.diagnostics), IsEmpty());
    const auto rect = std::get<plan::Rect>(linted.plan.filters.at(0).labels.at(0).regions.at(0).area);
    EXPECT_EQ(rect.xmin, 350);
    EXPECT_EQ(rect.ymin, 0);
    EXPECT_EQ(rect.xmax, 512);
    EXPECT_EQ(rect.ymax, 30);
}

// ------------------------------------------------------------- recipes --

std::vector<std::filesystem::path> reference_recipes() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::kSharedDir / "recipes-reference")) {
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with("LICENSE")) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// What `deid lint` prints for every recipe of ../shared/recipes-reference,
// pinned whole. Errors are exactly the real defects issue 11 names (three
// misspelt Manufacturer filters, which never match, and `REMOVE jitter`);
// the warnings are defects the shipped recipes fix (recipes/README.md: dead
// duplicates, UIDs removed without replacement, a file-meta action the
// writer undoes); the notes say where the established tool acts differently.
TEST(Lint, ReferenceRecipesReportOnlyTheirRealDefects) {
    std::vector<std::string> printed;
    for (const auto& file : reference_recipes()) {
        Compiled compiled = compile({{file}, false, {}}, standard_dictionary());
        for (const auto& d : compiled.diagnostics.all()) {
            std::string text = format_text(d);
            const std::string root = (testing::kSharedDir / "recipes-reference").string() + "/";
            if (text.starts_with(root)) {
                text.erase(0, root.size());
            }
            printed.push_back(text);
        }
    }
    const std::vector<std::string> expected = {
        "bundled/deid.dicom:161:14: note: 'OverlayDescription' is the repeating group (60xx,0022): here it "
            "selects the element in every group of the range; the established tool matches nothing for it",
        "bundled/deid.dicom:284:17: note: '600|768' is compared as alternatives separated by '|'; the "
            "established tool compares the whole text literally and never matches it",
        "bundled/deid.dicom:490:14: error: unknown DICOM keyword 'Manfacturer' (did you mean 'Manufacturer'?)",
        "bundled/deid.dicom:497:14: error: unknown DICOM keyword 'Manfacturer' (did you mean 'Manufacturer'?)",
        "bundled/deid.dicom:504:14: error: unknown DICOM keyword 'Manufacture' (did you mean 'Manufacturer'?)",
        "bundled/deid.dicom:840:1: warning: REMOVE PatientsName has no effect: REMOVE PatientName at line "
            "839 already removed it",
        "bundled/deid.dicom:840:8: warning: 'PatientsName' is the pre-2017 keyword of PatientName "
            "(0010,0010); write PatientName (older tools match nothing for it)",
        "bundled/deid.dicom:844:1: warning: REMOVE endswith:ID removes SOPInstanceUID (0008,0018) and "
            "nothing gives it a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid')",
        "bundled/deid.dicom:844:1: warning: REMOVE endswith:ID removes SOPClassUID (0008,0016) and nothing "
            "gives it a new value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names the kind of object, not the patient)",
        "bundled/deid.dicom:868:1: warning: REMOVE PerformingPhysicianName has no effect: REMOVE "
            "PerformingPhysicianName at line 860 already removed it",
        "bundled/deid.dicom:875:1: warning: REMOVE ClinicalTrialSponsorName has no effect: REMOVE "
            "contains:Trial at line 842 already removed it",
        "bundled/deid.dicom:877:1: warning: REMOVE ClinicalTrialProtocolEthicsCommitteeName has no effect: "
            "REMOVE contains:Trial at line 842 already removed it",
        "bundled/deid.dicom:878:1: warning: REMOVE contains:UID removes SOPInstanceUID (0008,0018) and "
            "nothing gives it a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid')",
        "bundled/deid.dicom:878:1: warning: REMOVE contains:UID removes SOPClassUID (0008,0016) and nothing "
            "gives it a new value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names the kind of object, not the patient)",
        "bundled/deid.dicom:897:8: error: unknown DICOM keyword 'jitter'",
        "bundled/deid.dicom.ultrasound:37:1: warning: REMOVE PatientsName has no effect: REMOVE PatientName "
            "at line 36 already removed it",
        "bundled/deid.dicom.ultrasound:37:8: warning: 'PatientsName' is the pre-2017 keyword of PatientName "
            "(0010,0010); write PatientName (older tools match nothing for it)",
        "bundled/deid.dicom.ultrasound:41:1: warning: REMOVE endswith:ID removes SOPInstanceUID (0008,0018) "
            "and nothing gives it a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid')",
        "bundled/deid.dicom.ultrasound:41:1: warning: REMOVE endswith:ID removes SOPClassUID (0008,0016) and "
            "nothing gives it a new value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names the kind of object, not the patient)",
        "bundled/deid.dicom.ultrasound:65:1: warning: REMOVE PerformingPhysicianName has no effect: REMOVE "
            "PerformingPhysicianName at line 57 already removed it",
        "bundled/deid.dicom.ultrasound:72:1: warning: REMOVE ClinicalTrialSponsorName has no effect: REMOVE "
            "contains:Trial at line 39 already removed it",
        "bundled/deid.dicom.ultrasound:74:1: warning: REMOVE ClinicalTrialProtocolEthicsCommitteeName has no "
            "effect: REMOVE contains:Trial at line 39 already removed it",
        "bundled/deid.dicom.ultrasound:75:1: warning: REMOVE contains:UID removes SOPInstanceUID (0008,0018) "
            "and nothing gives it a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid')",
        "bundled/deid.dicom.ultrasound:75:1: warning: REMOVE contains:UID removes SOPClassUID (0008,0016) "
            "and nothing gives it a new value, so the output is no valid DICOM instance (add 'KEEP SOPClassUID': it names the kind of object, not the patient)",
        "bundled/deid.dicom.ultrasound:94:8: error: unknown DICOM keyword 'jitter'",
        "examples/deid__deid.dicom-groups:17:1: warning: REMOVE fields:instance_fields removes "
            "SOPInstanceUID (0008,0018) and nothing gives it a new value, so the output is no valid DICOM instance (add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid')",
        "examples/dicom__header-manipulation__file-meta__deid.dicom:5:1: warning: REPLACE "
            "MediaStorageSOPInstanceUID has no effect on the output: the meta header is rebuilt when the file is written, and MediaStorageSOPInstanceUID (0002,0003) follows the dataset's SOPInstanceUID (0008,0018); act on SOPInstanceUID instead",
    };
    EXPECT_EQ(printed, expected);
}

TEST(Lint, ShippedRecipesLintClean) {
    for (const auto* name : {"deid.dicom", "deid.dicom.ultrasound", "deid.dicom.xray.chest"}) {
        Compiled compiled = compile({{testing::kSourceDir / "recipes" / name}, false, {}}, standard_dictionary());
        std::vector<std::string> findings;
        for (const auto& d : compiled.diagnostics.all()) {
            if (d.severity != Severity::note) {
                findings.push_back(format_text(d));
            }
        }
        EXPECT_THAT(findings, IsEmpty()) << name;
    }
}

TEST(Lint, CombiningRecipesNeedsOneFormat) {
    Diagnostics diagnostics;
    const auto first = grammar::parse_recipe("FORMAT dicom\n%header\nREMOVE PatientName\n", "a.deid", diagnostics);
    auto second = grammar::parse_recipe("FORMAT dicom\n%header\nREPLACE PatientID X\n", "b.deid", diagnostics);
    const auto combined = ast::combine({first, second}, diagnostics);
    EXPECT_THAT(located(diagnostics), IsEmpty());
    ASSERT_EQ(combined.actions.size(), 2u);
    EXPECT_EQ(combined.actions[1].span.file, "b.deid");
    second.format->format = "nifti";
    ast::combine({first, second}, diagnostics);
    EXPECT_THAT(located(diagnostics), ElementsAre("1:8: error: FORMAT nifti cannot be combined with FORMAT dicom of a.deid"));
}

// ------------------------------------------------------- command layer --

TEST(LintCommand, TextOutputAndExitStatus) {
    const auto file = testing::scratch_dir() / "deid_lint_command_test.deid";
    std::ofstream(file) << "FORMAT dicom\n%header\nREMOVE PatientNme\n";
    std::ostringstream out;
    std::ostringstream err;
    const int status = run_lint({{file}, false, false, LintFormat::text}, standard_dictionary(), out, err);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(out.str(), file.string() +
                             ":3:8: error: unknown DICOM keyword 'PatientNme' (did you mean 'PatientName'?)\n");
    EXPECT_EQ(err.str(), "deid lint: 1 error, 0 warnings, 0 notes in 1 recipe\n");
}

TEST(LintCommand, JsonOutputForEditors) {
    const auto file = testing::scratch_dir() / "deid_lint_json_test.deid";
    std::ofstream(file) << "FORMAT dicom\n%header\nREMOVE PatientsName\n";
    std::ostringstream out;
    std::ostringstream err;
    const int status = run_lint({{file}, false, false, LintFormat::json}, standard_dictionary(), out, err);
    EXPECT_EQ(status, 0);
    const auto json = nlohmann::json::parse(out.str());
    EXPECT_EQ(json["errors"], 0);
    EXPECT_EQ(json["warnings"], 1);
    ASSERT_EQ(json["diagnostics"].size(), 1u);
    EXPECT_EQ(json["diagnostics"][0]["line"], 3);
    EXPECT_EQ(json["diagnostics"][0]["column"], 8);
    EXPECT_EQ(json["diagnostics"][0]["end_column"], 20);
    EXPECT_EQ(json["diagnostics"][0]["severity"], "warning");
    EXPECT_EQ(json["diagnostics"][0]["code"], "alias");
}

TEST(LintCommand, MissingFileIsAnError) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_lint({{"/nonexistent/recipe.deid"}, false, false, LintFormat::text}, standard_dictionary(), out, err), 1);
    EXPECT_EQ(out.str(), "/nonexistent/recipe.deid: error: cannot read recipe file: No such file or directory\n");
}

TEST(LintCommand, BundledDefaultLintsClean) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_lint({{}, true, false, LintFormat::text}, standard_dictionary(), out, err), 0);
    // No error, no warning; one note where the established tool differs.
    EXPECT_EQ(out.str(), "<bundled>/deid.dicom:165:14: note: 'OverlayDescription' is the repeating group (60xx,0022): "
                         "here it selects the element in every group of the range; the established tool matches "
                         "nothing for it\n");
}

TEST(RunGate, RefusesARecipeWithErrorsUnlessForced) {
    const auto file = testing::scratch_dir() / "deid_run_gate_test.deid";
    std::ofstream(file) << "FORMAT dicom\n%header\nREMOVE PatientNme\nREMOVE PatientID\n";
    std::ostringstream refused;
    EXPECT_FALSE(compile_for_run({{file}, false, {}}, standard_dictionary(), false, refused));
    EXPECT_THAT(refused.str(), ::testing::HasSubstr("nothing was processed (fix them, or run with --force)"));
    EXPECT_THAT(refused.str(), ::testing::HasSubstr(":3:8: error: unknown DICOM keyword 'PatientNme'"));
    std::ostringstream forced;
    const auto plan = compile_for_run({{file}, false, {}}, standard_dictionary(), true, forced);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->actions.size(), 1u);
    EXPECT_EQ(plan->actions[0].field.text, "PatientID");
}

TEST(RunGate, BundledDefaultComesFirst) {
    const auto file = testing::scratch_dir() / "deid_run_gate_default.deid";
    std::ofstream(file) << "FORMAT dicom\n%header\nREPLACE PatientID SECOND\n";
    std::ostringstream messages;
    const auto plan = compile_for_run({{file}, true, {}}, standard_dictionary(), false, messages);
    ASSERT_TRUE(plan) << messages.str();
    ASSERT_GT(plan->actions.size(), 1u);
    EXPECT_EQ(plan->actions.front().span.file, "<bundled>/deid.dicom");
    EXPECT_EQ(plan->actions.back().span.file, file.string());
    EXPECT_EQ(plan->filters.size(), 3u);
    // The bundled default's note is for `deid lint` only.
    EXPECT_THAT(messages.str(), ::testing::Not(::testing::HasSubstr("note:")));
}

TEST(RunGate, PrintsWarningsButNotNotes) {
    const auto file = testing::scratch_dir() / "deid_run_gate_notes.deid";
    std::ofstream(file) << "FORMAT dicom\n%header\nremove PatientID\nREPLACE MediaStorageSOPInstanceUID 1.2.3\n";
    std::ostringstream messages;
    ASSERT_TRUE(compile_for_run({{file}, false, {}}, standard_dictionary(), false, messages));
    EXPECT_EQ(messages.str(), file.string() + ":4:1: warning: REPLACE MediaStorageSOPInstanceUID has no effect on the "
                              "output: the meta header is rebuilt when the file is written, and "
                              "MediaStorageSOPInstanceUID (0002,0003) follows the dataset's SOPInstanceUID (0008,0018); "
                              "act on SOPInstanceUID instead\n");
}

}  // namespace
}  // namespace deid
