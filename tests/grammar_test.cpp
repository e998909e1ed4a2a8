// The recipe grammar: every construct of spec §1-§6 parses into the AST it
// means, and every syntax error is reported with its exact line and column.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tao/pegtl/contrib/analyze.hpp>

#include "grammar/error_messages.hpp"
#include "grammar/recipe_grammar.hpp"
#include "interpreter/ast/combine.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using testing::located;
using testing::parse;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const ast::HeaderSection& header(const ast::Recipe& recipe, std::size_t index = 0) {
    std::size_t seen = 0;
    for (const auto& section : recipe.sections) {
        if (const auto* h = std::get_if<ast::HeaderSection>(&section); h && seen++ == index) {
            return *h;
        }
    }
    throw std::runtime_error("no such %header section");
}

template <typename Section>
const Section& only(const ast::Recipe& recipe) {
    for (const auto& section : recipe.sections) {
        if (const auto* s = std::get_if<Section>(&section)) {
            return *s;
        }
    }
    throw std::runtime_error("no such section");
}

const ast::HeaderAction& single_action(std::string_view line) {
    static testing::Parsed parsed;
    parsed = parse("FORMAT dicom\n%header\n" + std::string(line) + "\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty()) << line;
    const auto& actions = header(parsed.recipe).actions;
    EXPECT_EQ(actions.size(), 1u) << line;
    return actions.at(0);
}

TEST(Grammar, HasNoRuleThatCanLoopWithoutConsumingInput) {
    EXPECT_EQ(tao::pegtl::analyze<grammar::rules::recipe>(), 0u);
}

// ------------------------------------------------------------ structure --

TEST(Grammar, ReadsFormatAndSectionsInOrder) {
    const auto parsed = parse(
        "# leading comment\n"
        "FORMAT dicom\n"
        "%header\n"
        "%filter graylist\n"
        "%fields patient_info\n"
        "%values cookie_names\n"
        "%labels\n"
        "%header\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    ASSERT_TRUE(parsed.recipe.format);
    EXPECT_EQ(parsed.recipe.format->format, "dicom");
    ASSERT_EQ(parsed.recipe.sections.size(), 6u);
    EXPECT_TRUE(std::holds_alternative<ast::HeaderSection>(parsed.recipe.sections[0]));
    EXPECT_EQ(std::get<ast::FilterSection>(parsed.recipe.sections[1]).name, "graylist");
    EXPECT_EQ(std::get<ast::FieldsSection>(parsed.recipe.sections[2]).name, "patient_info");
    EXPECT_EQ(std::get<ast::ValuesSection>(parsed.recipe.sections[3]).name, "cookie_names");
    EXPECT_TRUE(std::holds_alternative<ast::LabelsSection>(parsed.recipe.sections[4]));
    EXPECT_TRUE(std::holds_alternative<ast::HeaderSection>(parsed.recipe.sections[5]));
}

TEST(Grammar, KeywordsAreCaseInsensitive) {
    const auto parsed = parse("format DICOM\n%HEADER\nadd PatientIdentityRemoved YES\nRemove PatientName\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    EXPECT_EQ(parsed.recipe.format->format, "dicom");
    ASSERT_EQ(header(parsed.recipe).actions.size(), 2u);
    EXPECT_EQ(header(parsed.recipe).actions[0].kind, ast::ActionKind::add);
    EXPECT_EQ(header(parsed.recipe).actions[1].kind, ast::ActionKind::remove);
}

TEST(Grammar, AcceptsCrlfByteOrderMarkAndNoFinalNewline) {
    const auto parsed = parse("\xEF\xBB\xBF" "FORMAT dicom\r\n%header\r\nREMOVE PatientName\r\nREMOVE PatientID");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    ASSERT_EQ(header(parsed.recipe).actions.size(), 2u);
    EXPECT_EQ(header(parsed.recipe).actions[1].field.text, "PatientID");
    EXPECT_EQ(header(parsed.recipe).actions[1].span.line, 4u);
}

TEST(Grammar, SpansPointAtTheActionKeywordAndField) {
    const auto parsed = parse("FORMAT dicom\n\n%header\n   REPLACE  PatientName ANON\n");
    const auto& action = header(parsed.recipe).actions.at(0);
    EXPECT_EQ(action.span.line, 4u);
    EXPECT_EQ(action.span.column, 4u);
    EXPECT_EQ(action.span.end_column, 11u);
    EXPECT_EQ(action.field.span.column, 13u);
    EXPECT_EQ(action.field.span.end_column, 24u);
    EXPECT_EQ(action.value->span.column, 25u);
}

// --------------------------------------------------------------- values --

TEST(Grammar, ValueIsTheRestOfTheLineWithoutTrailingComment) {
    const auto& action = single_action("REPLACE PatientName  Anonymous   Patient   # why");
    const auto& literal = std::get<ast::LiteralValue>(action.value->kind);
    // Blanks collapse to one, as the established tool splits and rejoins.
    EXPECT_EQ(literal.text, "Anonymous Patient");
    EXPECT_EQ(action.value->text, "Anonymous   Patient");
}

TEST(Grammar, QuotedLiteralKeepsItsQuotesAndInnerBlanks) {
    const auto& action = single_action("REPLACE PatientName \"AN  ON\"");
    EXPECT_EQ(std::get<ast::LiteralValue>(action.value->kind).text, "\"AN  ON\"");
}

TEST(Grammar, VariableFunctionAndBuiltinValues) {
    EXPECT_EQ(std::get<ast::VariableValue>(single_action("ADD PatientID var:entity_id").value->kind).name,
              "entity_id");
    EXPECT_EQ(std::get<ast::VariableValue>(single_action("REPLACE PatientName var:(0010,0020)").value->kind).name,
              "(0010,0020)");
    EXPECT_EQ(std::get<ast::FunctionValue>(single_action("REMOVE ALL func:contains_simpson").value->kind).name,
              "contains_simpson");
    const auto& builtin =
        std::get<ast::BuiltinValue>(single_action("REPLACE StudyDate deid_func:jitter days=2 years=1").value->kind);
    EXPECT_EQ(builtin.name, "jitter");
    ASSERT_EQ(builtin.options.size(), 2u);
    EXPECT_EQ(builtin.options[0].key, "days");
    EXPECT_EQ(builtin.options[0].value, "2");
    EXPECT_EQ(builtin.options[1].key, "years");
    const auto& uid = std::get<ast::BuiltinValue>(
        single_action("REPLACE SOPInstanceUID deid_func:pydicom_uuid prefix=\"1.2.3.\" stable_remapping=true")
            .value->kind);
    EXPECT_EQ(uid.options[0].value, "1.2.3.");
    EXPECT_EQ(uid.options[1].value, "true");
}

TEST(Grammar, RemoveValueIsOptionalAndBlankKeepTakeNone) {
    EXPECT_FALSE(single_action("REMOVE PatientName").value);
    EXPECT_TRUE(single_action("REMOVE ALL contains:\\d{7}").value);
    EXPECT_FALSE(single_action("BLANK PatientName # trailing").value);
    EXPECT_FALSE(single_action("KEEP PatientName").value);
}

// ---------------------------------------------------- field expressions --

TEST(Grammar, FieldFormsTagsAndNames) {
    EXPECT_EQ(std::get<ast::NamedField>(single_action("REMOVE PatientName").field.selector).name, "PatientName");
    const auto tag = std::get<ast::TagField>(single_action("REMOVE (0010,0020)").field.selector);
    EXPECT_EQ(tag.group, 0x0010);
    EXPECT_EQ(tag.element, 0x0020);
    const auto hex = std::get<ast::TagField>(single_action("REMOVE 0008103e").field.selector);
    EXPECT_EQ(hex.group, 0x0008);
    EXPECT_EQ(hex.element, 0x103E);
    EXPECT_EQ(std::get<ast::NamedField>(single_action("REMOVE ReferencedSeriesSequence__SeriesInstanceUID").field.selector).name,
              "ReferencedSeriesSequence__SeriesInstanceUID");
    EXPECT_EQ(std::get<ast::NamedField>(single_action("REMOVE (0008,1115)__0__(0020,000E)").field.selector).name,
              "(0008,1115)__0__(0020,000E)");
}

TEST(Grammar, PrivateCreatorFormsKeepSpacesColonsCommasAndHashInTheCreator) {
    const auto paren = std::get<ast::PrivateCreatorField>(
        single_action("REMOVE (0021,\"Siemens: Thorax/Multix FD Post Processing\",15)").field.selector);
    EXPECT_EQ(paren.group, 0x0021);
    EXPECT_EQ(paren.creator, "Siemens: Thorax/Multix FD Post Processing");
    EXPECT_EQ(paren.element_offset, 0x15);
    const auto bare =
        std::get<ast::PrivateCreatorField>(single_action("REMOVE 0019,\"SIEMENS CT VA0  COAD\",90").field.selector);
    EXPECT_EQ(bare.creator, "SIEMENS CT VA0  COAD");
    EXPECT_EQ(bare.element_offset, 0x90);
    const auto odd = std::get<ast::PrivateCreatorField>(
        single_action("BLANK (0033,\"A, B # not a comment\",1E) # a comment").field.selector);
    EXPECT_EQ(odd.creator, "A, B # not a comment");
}

TEST(Grammar, Expanders) {
    const auto contains = std::get<ast::PatternField>(single_action("REMOVE contains:Patient|Physician").field.selector);
    EXPECT_EQ(contains.kind, ast::PatternKind::contains);
    EXPECT_EQ(contains.pattern, "Patient|Physician");
    EXPECT_EQ(contains.pattern_span.column, 17u);
    EXPECT_EQ(std::get<ast::PatternField>(single_action("REMOVE StartsWith:Patient").field.selector).kind,
              ast::PatternKind::startswith);
    EXPECT_EQ(std::get<ast::PatternField>(single_action("REMOVE endswith:Date").field.selector).kind,
              ast::PatternKind::endswith);
    EXPECT_EQ(std::get<ast::PatternField>(single_action("BLANK except:Modality|Rows").field.selector).kind,
              ast::PatternKind::except);
    const auto allexcept = std::get<ast::PatternField>(single_action("BLANK allexcept:Modality").field.selector);
    EXPECT_EQ(allexcept.kind, ast::PatternKind::except);
    EXPECT_EQ(allexcept.spelling, "allexcept");
    EXPECT_EQ(std::get<ast::PatternField>(single_action("BLANK exceptfields:Modality").field.selector).spelling,
              "exceptfields");
    const auto group = std::get<ast::SelectField>(single_action("REMOVE select:group:0010").field.selector);
    EXPECT_EQ(group.by, ast::SelectBy::group);
    EXPECT_EQ(group.argument, "0010");
    const auto vr = std::get<ast::SelectField>(single_action("BLANK select:VR:PN").field.selector);
    EXPECT_EQ(vr.by, ast::SelectBy::vr);
    EXPECT_EQ(vr.argument, "PN");
    EXPECT_EQ(std::get<ast::AllFields>(single_action("REMOVE ALL").field.selector).spelling, "ALL");
    EXPECT_EQ(std::get<ast::AllFields>(single_action("REMOVE allfields").field.selector).spelling, "allfields");
    const auto fields = std::get<ast::GroupField>(single_action("REMOVE fields:instance_fields").field.selector);
    EXPECT_EQ(fields.kind, ast::GroupKind::fields);
    EXPECT_EQ(fields.name, "instance_fields");
    EXPECT_EQ(std::get<ast::GroupField>(single_action("REPLACE values:cookie_names var:id").field.selector).kind,
              ast::GroupKind::values);
}

// -------------------------------------------------------------- %filter --

TEST(Grammar, FilterLabelsCriteriaAndOperators) {
    const auto parsed = parse(
        "FORMAT dicom\n"
        "%filter graylist\n"
        "LABEL CT Dose # (Susan W.)\n"
        "  contains Modality CT\n"
        "  + contains ManufacturerModelName SOMATOM Definition AS+\n"
        "  + contains ImageType DERIVED+SECONDARY || equals Rows 512\n"
        "  || missing Manufacturer\n"
        "  contains 0x00110003 Agfa\n"
        "  coordinates 0,0,512,200\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    const auto& filter = only<ast::FilterSection>(parsed.recipe);
    ASSERT_EQ(filter.labels.size(), 1u);
    const auto& label = filter.labels[0];
    EXPECT_EQ(label.name, "CT Dose");
    ASSERT_EQ(label.lines.size(), 5u);
    EXPECT_EQ(label.lines[0].connective, ast::Connective::none);
    EXPECT_EQ(label.lines[1].connective, ast::Connective::all_of);
    EXPECT_EQ(label.lines[1].criteria[0].value, "SOMATOM Definition AS+");
    const auto& chained = label.lines[2].criteria;
    ASSERT_EQ(chained.size(), 2u);
    EXPECT_EQ(chained[0].value, "DERIVED+SECONDARY");
    EXPECT_EQ(chained[1].connective, ast::Connective::any_of);
    EXPECT_EQ(chained[1].test, ast::CriterionTest::equals);
    EXPECT_EQ(chained[1].field.text, "Rows");
    EXPECT_EQ(chained[1].value, "512");
    EXPECT_EQ(label.lines[3].connective, ast::Connective::any_of);
    EXPECT_EQ(label.lines[3].criteria[0].test, ast::CriterionTest::missing);
    EXPECT_FALSE(label.lines[3].criteria[0].value);
    const auto tag = std::get<ast::TagField>(label.lines[4].criteria[0].field.selector);
    EXPECT_EQ(tag.group, 0x0011);
    EXPECT_EQ(tag.element, 0x0003);
    ASSERT_EQ(label.coordinates.size(), 1u);
    EXPECT_EQ(std::get<ast::RegionRect>(label.coordinates[0].region).numbers,
              (std::vector<std::int64_t>{0, 0, 512, 200}));
}

TEST(Grammar, InlineOperatorsChainOnOneLine) {
    const auto parsed = parse(
        "FORMAT dicom\n%filter blacklist\nLABEL x\n  contains Modality DX + contains PatientSex M || empty ImageType\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    const auto& criteria = only<ast::FilterSection>(parsed.recipe).labels[0].lines[0].criteria;
    ASSERT_EQ(criteria.size(), 3u);
    EXPECT_EQ(criteria[0].value, "DX");
    EXPECT_EQ(criteria[1].connective, ast::Connective::all_of);
    EXPECT_EQ(criteria[1].value, "M");
    EXPECT_EQ(criteria[2].connective, ast::Connective::any_of);
    EXPECT_EQ(criteria[2].test, ast::CriterionTest::empty);
}

TEST(Grammar, AllFourCoordinatesKeywords) {
    const auto parsed = parse(
        "FORMAT dicom\n%filter graylist\nLABEL x\n"
        "  coordinates all\n"
        "  keepcoordinates from:SequenceOfUltrasoundRegions\n"
        "  ctpcoordinates 10,20,30,40\n"
        "  ctpkeepcoordinates 1, 2, 3 ,4\n"
        "coordinates 450,0,672, 85\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    const auto& regions = only<ast::FilterSection>(parsed.recipe).labels[0].coordinates;
    ASSERT_EQ(regions.size(), 5u);
    EXPECT_TRUE(std::holds_alternative<ast::RegionAll>(regions[0].region));
    EXPECT_EQ(regions[0].mask, ast::RegionMask::blank);
    EXPECT_EQ(std::get<ast::RegionFrom>(regions[1].region).field.text, "SequenceOfUltrasoundRegions");
    EXPECT_EQ(regions[1].mask, ast::RegionMask::keep);
    EXPECT_TRUE(regions[2].ctp);
    EXPECT_EQ(regions[2].mask, ast::RegionMask::blank);
    EXPECT_TRUE(regions[3].ctp);
    EXPECT_EQ(regions[3].mask, ast::RegionMask::keep);
    EXPECT_EQ(std::get<ast::RegionRect>(regions[3].region).numbers, (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(std::get<ast::RegionRect>(regions[4].region).numbers, (std::vector<std::int64_t>{450, 0, 672, 85}));
}

// ---------------------------------------------------- %fields, %values --

TEST(Grammar, FieldsValuesAndSplitOptions) {
    const auto parsed = parse(
        "FORMAT dicom\n"
        "%fields people\nFIELD PatientName\nFIELD startswith:OtherPatient\n"
        "%values names\nSPLIT PatientName by=\"^\";minlength=4\nFIELD PatientID\nSPLIT OtherPatientNames splitval=\" \"\n"
        "%labels\nADD MAINTAINER someone@example.org # who\n");
    EXPECT_THAT(located(parsed.diagnostics), IsEmpty());
    const auto& fields = only<ast::FieldsSection>(parsed.recipe);
    ASSERT_EQ(fields.entries.size(), 2u);
    EXPECT_EQ(fields.entries[1].field.text, "startswith:OtherPatient");
    const auto& values = only<ast::ValuesSection>(parsed.recipe);
    ASSERT_EQ(values.entries.size(), 3u);
    EXPECT_EQ(values.entries[0].kind, ast::ValuesEntryKind::split);
    EXPECT_EQ(values.entries[0].split->separator, "^");
    EXPECT_EQ(values.entries[0].split->minimum_length, 4);
    EXPECT_EQ(values.entries[1].kind, ast::ValuesEntryKind::field);
    EXPECT_TRUE(values.entries[2].split->legacy_splitval);
    EXPECT_EQ(values.entries[2].split->separator, " ");
    const auto& labels = only<ast::LabelsSection>(parsed.recipe);
    ASSERT_EQ(labels.entries.size(), 1u);
    EXPECT_EQ(labels.entries[0].key, "MAINTAINER");
    EXPECT_EQ(labels.entries[0].value, "someone@example.org");
}

// --------------------------------------------------------------- errors --

struct ErrorCase {
    std::string_view name;
    std::string_view text;
    std::string_view expected;
};

class GrammarError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(GrammarError, ReportsExactMessageAndPosition) {
    const auto parsed = parse(GetParam().text);
    EXPECT_THAT(located(parsed.diagnostics), ElementsAre(std::string(GetParam().expected)));
}

constexpr std::string_view kHeader = "FORMAT dicom\n%header\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, GrammarError,
    ::testing::Values(
        ErrorCase{"ActionBeforeAnySection", "REMOVE PatientName\nFORMAT dicom\n",
                  "1:1: error: action REMOVE outside a section: put it under %header"},
        ErrorCase{"TextBeforeAnySection", "FORMAT dicom\nhello there\n",
                  "2:1: error: unexpected 'hello there' before any section (expected 'FORMAT dicom' or a section such as %header)"},
        ErrorCase{"SectionBeforeFormat", "%header\nREMOVE PatientName\n",
                  "1:1: error: %header before FORMAT: a recipe starts with 'FORMAT dicom'"},
        ErrorCase{"MissingFormat", "# nothing\n", "1:1: error: missing FORMAT: a recipe starts with 'FORMAT dicom'"},
        ErrorCase{"UnknownFormat", "FORMAT nifti\n", "1:8: error: unknown format 'nifti' (only 'dicom' exists)"},
        ErrorCase{"FormatWithoutName", "FORMAT\n", "1:7: error: expected a format name after FORMAT, e.g. 'FORMAT dicom'"},
        ErrorCase{"UnknownSection", "FORMAT dicom\n%heder\nREMOVE PatientName\n",
                  "2:1: error: unknown section '%heder' (expected %header, %filter, %fields, %values or %labels) (did you mean 'header'?)"},
        ErrorCase{"HeaderWithName", "FORMAT dicom\n%header main\n", "2:8: error: %header takes no name"},
        ErrorCase{"FilterWithoutName", "FORMAT dicom\n%filter\n",
                  "2:8: error: %filter needs a group name, e.g. '%filter graylist'"},
        ErrorCase{"FieldsWithoutName", "FORMAT dicom\n%fields # none\n",
                  "2:9: error: %fields needs a group name, e.g. '%fields patient_info'"},
        ErrorCase{"UnknownAction", "FORMAT dicom\n%header\n  REMOV PatientName\n",
                  "3:3: error: unknown action 'REMOV' (expected ADD, BLANK, JITTER, KEEP, REPLACE or REMOVE) (did you mean 'REMOVE'?)"},
        ErrorCase{"ActionWithoutField", "FORMAT dicom\n%header\nREMOVE\n", "3:7: error: expected a field after the action"},
        ErrorCase{"AddWithoutValue", "FORMAT dicom\n%header\nADD PatientName # no value\n",
                  "3:17: error: ADD needs a value after the field"},
        ErrorCase{"ReplaceWithoutValue", "FORMAT dicom\n%header\nREPLACE PatientName\n",
                  "3:20: error: REPLACE needs a value after the field"},
        ErrorCase{"JitterWithoutValue", "FORMAT dicom\n%header\nJITTER StudyDate\n",
                  "3:17: error: JITTER needs a value after the field (a number of days, var:NAME or func:NAME)"},
        ErrorCase{"BlankWithValue", "FORMAT dicom\n%header\nBLANK PatientName X\n",
                  "3:18: error: BLANK takes no value: unexpected text after the field"},
        ErrorCase{"KeepWithValue", "FORMAT dicom\n%header\nKEEP PatientName X\n",
                  "3:17: error: KEEP takes no value: unexpected text after the field"},
        ErrorCase{"MalformedTag", "FORMAT dicom\n%header\nREMOVE (0010,001)\n",
                  "3:17: error: malformed tag: expected (gggg,eeee) with four hexadecimal digits each, or (gggg,\"CREATOR\",ee)"},
        ErrorCase{"MalformedPrivateCreator", "FORMAT dicom\n%header\nREMOVE 0019,SIEMENS,90\n",
                  "3:13: error: malformed private-creator form: expected GGGG,\"CREATOR\",EE"},
        ErrorCase{"UnterminatedCreator", "FORMAT dicom\n%header\nREMOVE (0019,\"SIEMENS,90)\n",
                  "3:26: error: unterminated string: missing closing '\"'"},
        ErrorCase{"BadCharacterInField", "FORMAT dicom\n%header\nREMOVE Patient@Name\n",
                  "3:15: error: unexpected character in field expression"},
        ErrorCase{"UnknownExpander", "FORMAT dicom\n%header\nREMOVE startwith:Patient\n",
                  "3:8: error: unknown expander 'startwith:' (expected startswith:, endswith:, contains:, except:, select:, fields: or values:) (did you mean 'startswith'?)"},
        ErrorCase{"ExpanderWithoutPattern", "FORMAT dicom\n%header\nREMOVE contains:\n",
                  "3:17: error: expected a regular expression after the expander, e.g. contains:Patient"},
        ErrorCase{"BadSelect", "FORMAT dicom\n%header\nREMOVE select:group:10\n",
                  "3:15: error: expected select:group:GGGG (four hexadecimal digits) or select:VR:XX"},
        ErrorCase{"GroupWithoutName", "FORMAT dicom\n%header\nREMOVE fields:\n",
                  "3:15: error: expected a group name after 'fields:' or 'values:'"},
        ErrorCase{"VariableWithoutName", "FORMAT dicom\n%header\nADD PatientID var:\n",
                  "3:19: error: expected one variable name after 'var:'"},
        ErrorCase{"VariableWithTwoWords", "FORMAT dicom\n%header\nADD PatientID var:a b\n",
                  "3:20: error: expected one variable name after 'var:'"},
        ErrorCase{"FunctionWithoutName", "FORMAT dicom\n%header\nREPLACE PatientID func:\n",
                  "3:24: error: expected one function name after 'func:'"},
        ErrorCase{"BuiltinWithBadOption", "FORMAT dicom\n%header\nREPLACE StudyDate deid_func:jitter days\n",
                  "3:35: error: expected a built-in name after 'deid_func:' followed only by key=value options"},
        ErrorCase{"LabelWithoutName", "FORMAT dicom\n%filter x\nLABEL\n", "3:6: error: LABEL needs a name"},
        ErrorCase{"CriterionOutsideLabel", "FORMAT dicom\n%filter x\n  contains Modality CT\n",
                  "3:3: error: filter criterion before any LABEL in %filter: start a block with 'LABEL name'"},
        ErrorCase{"UnknownTest", "FORMAT dicom\n%filter x\nLABEL a\n  containz Modality CT\n",
                  "4:3: error: unknown filter test 'containz' (expected contains, notcontains, equals, notequals, missing, present or empty) (did you mean 'contains'?)"},
        ErrorCase{"TestWithoutField", "FORMAT dicom\n%filter x\nLABEL a\n  missing\n",
                  "4:10: error: expected a field after the test: a DICOM keyword or a tag written 0xGGGGEEEE"},
        ErrorCase{"ContainsWithoutValue", "FORMAT dicom\n%filter x\nLABEL a\n  contains Modality\n",
                  "4:20: error: contains, notcontains, equals and notequals need a value after the field"},
        ErrorCase{"PresenceWithValue", "FORMAT dicom\n%filter x\nLABEL a\n  missing PatientName extra\n",
                  "4:22: error: unexpected text after the criterion (missing, present and empty take no value)"},
        ErrorCase{"OperatorWithoutCriterion", "FORMAT dicom\n%filter x\nLABEL a\n  + @Modality\n",
                  "4:5: error: expected a filter test (contains, notcontains, equals, notequals, missing, present or empty)"},
        ErrorCase{"ThreeCoordinates", "FORMAT dicom\n%filter x\nLABEL a\n  coordinates 1,2,3\n",
                  "4:15: error: coordinates need four numbers (xmin,ymin,xmax,ymax), found 3"},
        ErrorCase{"FiveCtpCoordinates", "FORMAT dicom\n%filter x\nLABEL a\n  ctpcoordinates 1,2,3,4,5\n",
                  "4:18: error: coordinates need four numbers (x,y,width,height), found 5"},
        ErrorCase{"NonNumericCoordinates", "FORMAT dicom\n%filter x\nLABEL a\n  coordinates 0,0,a,b\n",
                  "4:18: error: expected 'all', 'from:Field' or four comma-separated integers xmin,ymin,xmax,ymax"},
        ErrorCase{"CoordinatesOutsideLabel", "FORMAT dicom\n%filter x\ncoordinates all\n",
                  "3:1: error: coordinates before any LABEL in %filter: start a block with 'LABEL name'"},
        ErrorCase{"SplitInFields", "FORMAT dicom\n%fields f\nSPLIT PatientName\n",
                  "3:1: error: SPLIT belongs in %values; %fields takes only FIELD"},
        ErrorCase{"FieldWithTwoFields", "FORMAT dicom\n%fields f\nFIELD PatientName PatientID\n",
                  "3:18: error: FIELD takes one field expression: unexpected text after it"},
        ErrorCase{"UnknownSplitOption", "FORMAT dicom\n%values v\nSPLIT PatientName by=\"^\";minlen=3\n",
                  "3:26: error: unknown SPLIT option 'minlen' (expected by= and minlength=)"},
        ErrorCase{"BadMinLength", "FORMAT dicom\n%values v\nSPLIT PatientName minlength=x\n",
                  "3:19: error: minlength must be a non-negative integer, found 'x'"},
        ErrorCase{"LabelsWithoutValue", "FORMAT dicom\n%labels\nADD VERSION\n",
                  "3:12: error: expected 'ADD KEY VALUE' in %labels"},
        ErrorCase{"StrayOperatorInHeader", "FORMAT dicom\n%header\n+ contains Modality CT\n",
                  "3:1: error: unexpected '+ contains Modality CT' in %header"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Grammar, ReportsEveryBadLineAndKeepsTheGoodOnes) {
    const auto parsed = parse(
        "FORMAT dicom\n%header\nREMOV PatientName\nREMOVE PatientID\nBLANK\nADD PatientIdentityRemoved YES\n");
    EXPECT_EQ(parsed.diagnostics.error_count(), 2u);
    ASSERT_EQ(header(parsed.recipe).actions.size(), 2u);
    EXPECT_EQ(header(parsed.recipe).actions[0].field.text, "PatientID");
    EXPECT_EQ(header(parsed.recipe).actions[1].field.text, "PatientIdentityRemoved");
}

TEST(Grammar, EveryReferenceRecipeParses) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::kSharedDir / "recipes-reference")) {
        if (!entry.is_regular_file() || entry.path().filename().string().starts_with("LICENSE")) {
            continue;
        }
        ++files;
        Diagnostics diagnostics;
        const auto recipe = grammar::parse_recipe_file(entry.path(), diagnostics);
        EXPECT_THAT(located(diagnostics), IsEmpty()) << entry.path();
        EXPECT_TRUE(recipe.format) << entry.path();
    }
    EXPECT_EQ(files, 32u);
}

TEST(Grammar, BundledDefaultHasItsRulesInPlace) {
    Diagnostics diagnostics;
    const auto recipe =
        grammar::parse_recipe_file(testing::kSharedDir / "recipes-reference/bundled/deid.dicom", diagnostics);
    const auto combined = ast::combine({recipe}, diagnostics);
    EXPECT_THAT(located(diagnostics), IsEmpty());
    ASSERT_EQ(combined.filters.size(), 3u);
    EXPECT_EQ(combined.filters[0].name, "whitelist");
    EXPECT_EQ(combined.filters[1].name, "graylist");
    EXPECT_EQ(combined.filters[2].name, "blacklist");
    std::size_t labels = 0;
    for (const auto& group : combined.filters) {
        labels += group.labels.size();
    }
    // Counted with grep -c '^LABEL' on the file.
    EXPECT_EQ(labels, 118u);
    EXPECT_EQ(combined.actions.size(), 73u);
    EXPECT_EQ(combined.actions.back().field.text, "jitter");
    EXPECT_EQ(combined.actions.back().span.line, 897u);
}

}  // namespace
}  // namespace deid
