// RSNA CTP scripts compiled into the recipe AST (ctp/): what each CTP
// construct becomes, where diagnostics point, and that the recipe
// `deid import-ctp` prints reads back into the same AST.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ctp/ast_compare.hpp"
#include "ctp/front_end.hpp"
#include "ctp/recipe_writer.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using testing::located;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kCtpDir = testing::kSharedDir / "data" / "ctp";

struct Translated {
    ast::Recipe recipe;
    Diagnostics diagnostics;
};

Translated translate(std::string_view text, ctp::TranslationOptions options = {}) {
    Translated out;
    out.recipe = ctp::translate_script(text, "test.script", std::nullopt, standard_dictionary(), options, out.diagnostics);
    return out;
}

// The recipe text of a script, as import-ctp writes it.
std::string recipe_text(const ast::Recipe& recipe, std::string_view source) {
    return "FORMAT dicom\n" + ctp::write_sections(recipe, source);
}

std::string anonymizer(std::string_view body) { return "<script>\n <p t=\"ROOT\">1.2.3</p>\n" + std::string(body) + "</script>\n"; }

// The printed actions of an anonymizer script, without the origin comments.
std::vector<std::string> actions_of(std::string_view body) {
    const auto translated = translate(anonymizer(body));
    EXPECT_FALSE(translated.diagnostics.has_errors()) << format_text(translated.diagnostics.all().front());
    std::vector<std::string> lines;
    std::istringstream text(recipe_text(translated.recipe, anonymizer(body)));
    for (std::string line; std::getline(text, line);) {
        if (!line.starts_with("#") && !line.starts_with("%") && !line.starts_with("FORMAT")) {
            lines.push_back(line);
        }
    }
    return lines;
}

TEST(CtpFrontEnd, DetectsEachKindByContent) {
    EXPECT_EQ(ctp::detect_script_kind(testing::read_bytes(kCtpDir / "example-ctp-dicom-anonymizer.script")),
              ctp::ScriptKind::anonymizer);
    EXPECT_EQ(ctp::detect_script_kind(testing::read_bytes(kCtpDir / "DicomPixelAnonymizer.script")), ctp::ScriptKind::pixel);
    EXPECT_EQ(ctp::detect_script_kind(testing::read_bytes(kCtpDir / "BurnedInPixelsFilter.script")), ctp::ScriptKind::filter);
    EXPECT_EQ(ctp::detect_script_kind(testing::read_bytes(testing::kSourceDir / "recipes" / "deid.dicom")), std::nullopt);
    EXPECT_EQ(ctp::detect_script_kind("FORMAT dicom\n%header\nREMOVE PatientName\n"), std::nullopt);
    EXPECT_EQ(ctp::detect_script_kind("%header\nREMOVE PatientName\n"), std::nullopt);
    EXPECT_EQ(ctp::detect_script_kind(""), std::nullopt);
}

TEST(CtpFrontEnd, EachFormOfElementScriptBecomesOneAction) {
    EXPECT_THAT(actions_of(R"( <e en="T" t="00100010" n="PatientName">@remove()</e>
 <e en="T" t="00100020" n="PatientID">@keep()</e>
 <e en="T" t="00100030" n="PatientBirthDate">@empty()</e>
 <e en="T" t="00100040" n="PatientSex"></e>
 <e en="T" t="00080018" n="SOPInstanceUID">@hashuid(@ROOT,this)</e>
 <e en="T" t="00120062" n="PatientIdentityRemoved">@always()YES</e>
 <e en="T" t="00081030" n="StudyDescription">@param(@ROOT)</e>
 <e en="T" t="00120040" n="ClinicalTrialSubjectID">@hashptid(@ROOT,PatientID,8)</e>
 <e en="T" t="00540016" n="RadiopharmaceuticalInformationSeq">@always()@process()</e>
 <e en="T" t="00101010" n="PatientAge">@require()</e>
 <e en="T" t="00101030" n="PatientWeight">@always()@require()</e>
 <e en="T" t="00081040" n="InstitutionalDepartmentName">@always()@empty()</e>
 <e en="T" t="00120063" n="DeIdentificationMethod">@always()@append(){CTP:  two blanks}</e>
 <e en="T" t="00120064" n="DeIdentificationMethodCodeSeq">113100/113105</e>
 <e en="T" t="00080080" n="InstitutionName">a # b</e>
 <e en="F" t="00081010" n="StationName">@remove()</e>
)"),
                ElementsAre("REMOVE PatientName", "KEEP PatientID", "BLANK PatientBirthDate", "BLANK PatientSex",
                            "REPLACE SOPInstanceUID deid_func:ctp_hashuid root=1.2.3", "ADD PatientIdentityRemoved YES",
                            "REPLACE StudyDescription 1.2.3",
                            "REPLACE ClinicalTrialSubjectID deid_func:ctp_hashptid site=1.2.3 of=PatientID length=8",
                            "KEEP RadiopharmaceuticalInformationSequence", "KEEP PatientAge",
                            "ADD PatientWeight deid_func:ctp_require",
                            "ADD InstitutionalDepartmentName deid_func:ctp_text text=@empty()",
                            "ADD DeidentificationMethod deid_func:ctp_append text=\"CTP:  two blanks\"",
                            "ADD DeidentificationMethodCodeSequence deid_func:ctp_method_codes codes=113100/113105",
                            "REPLACE InstitutionName deid_func:ctp_text text=\"a # b\""));
}

TEST(CtpFrontEnd, ScriptsWithConditionsRunWholeWithNamesAsTagsAndParametersFilledIn) {
    EXPECT_THAT(actions_of(R"x( <e en="T" t="00100010" n="PatientName">@if(PatientSex,equals,@ROOT){@remove()}{@hash(this,4)}</e>
 <e en="T" t="00100020" n="PatientID">X-@initials(PatientName)"</e>
)x"),
                ElementsAre("REPLACE PatientName deid_func:ctp_script "
                            "script=@if([0010,0040],equals,1.2.3){@remove()}{@hash(this,4)}",
                            "REPLACE PatientID deid_func:ctp_script script=X-@initials([0010,0010])%22"));
}

TEST(CtpFrontEnd, GlobalRulesSpareScriptedElementsAndKeptGroups) {
    EXPECT_THAT(actions_of(R"( <e en="T" t="00091001" n="Private">@keep()</e>
 <e en="T" t="00081115" n="RefSeriesSeq">@keep()</e>
 <e en="T" t="60003000" n="OverlayData">@keep()</e>
 <k en="T" t="0019">Keep group 0019</k>
 <r en="T" t="privategroups">Remove private groups</r>
 <r en="T" t="unspecifiedelements">Remove unchecked elements</r>
 <r en="T" t="overlays">Remove overlays</r>
)"),
                ElementsAre("KEEP (0009,1001)", "KEEP ReferencedSeriesSequence",
                            "REMOVE contains:^\\(60[0-9A-F]{2},[0-9A-F]{4}\\)$",
                            "REMOVE except:^\\([0-9A-F]{3}[02468ACE],[0-9A-F]{4}\\)$|^\\((0009,1001)\\)$|^\\((0019),[0-9A-F]{4}\\)$",
                            "REMOVE except:^\\((0002|0028|7FE0|0019|50[0-9A-F]{2}),[0-9A-F]{4}\\)$"
                            "|^\\((0008,0016|0008,0018|0008,1115|0009,1001|0020,000D)\\)$"
                            "|(^|__)(\\(0009,1001\\)|ReferencedSeriesSequence|\\(0008,1115\\))__"));
}

TEST(CtpFrontEnd, DiagnosticsPointAtTheCtpFile) {
    auto translated = translate(anonymizer(R"( <e en="T" t="00100010" n="PatientName">@hashh(this)</e>
 <e en="T" t="00100020" n="PatientID">@lookup(this,ptid)</e>
 <e en="T" t="00100030" n="PatientBirthDate">@incrementdate(this,@DATEINC)</e>
 <e en="T" t="00100040" n="PatientSex">@contents(PatientNme)</e>
 <e en="T" t="0010004" n="Short">@keep()</e>
 <e en="T" t="00101010" n="PatientAge">@hash(this</e>
 <e en="T" t="00101020" n="PatientSize">@if(this,isempty){a}{b}</e>
 <k en="T" t="safeprivateelements">Keep safe private elements</k>
 <e en="t" t="00101030" n="PatientWeight">@keep()</e>
)"));
    translated.diagnostics.sort_by_location();
    EXPECT_THAT(located(translated.diagnostics),
                ElementsAre("3:42: error: unknown CTP function @hashh (CTP writes '@hashh(...)' into the element as text)",
                            "4:40: error: @lookup is not supported: it reads CTP's lookup table, which the anonymizer stage is "
                            "given apart from the script; deid has none (look values up with a func: Lua hook and deid.csv)",
                            "5:66: error: no parameter @DATEINC is defined (<p t=\"DATEINC\">): CTP reads it as null",
                            "6:50: error: unknown element 'PatientNme': CTP reads a name it does not know as a missing element",
                            "7:15: error: t=\"0010004\" is no tag: CTP reads eight hexadecimal digits, GGGGEEEE",
                            "8:50: error: missing ')' at the end of the arguments",
                            "9:50: error: unknown condition 'isempty' (isblank, contains, equals, matches, exists, "
                            "greaterthan): CTP takes it as false",
                            "10:15: error: keeping safe private elements is not supported: deid has no table of safe private "
                            "elements (CTP's PrivateTagIndex); remove this line or keep the groups you trust",
                            "11:9: warning: en=\"t\" disables this line: CTP enables only en=\"T\""));
}

TEST(CtpFrontEnd, MalformedXmlIsOneErrorAtItsPlace) {
    const auto translated = translate("<script>\n <e en=\"T\" t=\"00100010\">@remove()</x>\n</script>\n");
    ASSERT_EQ(translated.diagnostics.error_count(), 1U);
    EXPECT_EQ(translated.diagnostics.all().front().span.line, 2U);
    EXPECT_THAT(translated.diagnostics.all().front().message, HasSubstr("malformed XML"));
    EXPECT_TRUE(translated.recipe.sections.empty());
    const auto doctype = translate("<!DOCTYPE script [<!ENTITY a \"b\">]>\n<script/>\n");
    EXPECT_THAT(located(doctype.diagnostics), ::testing::Contains(HasSubstr("a DOCTYPE is not read")));
}

// --ctp-keyed: CTP's hashing and date functions become deid's keyed
// pseudonyms; a function inside a condition keeps the whole script, run
// with the keyed variants (ctp_keyed_script).
TEST(CtpFrontEnd, KeyedVariantsBecomeKeyedPseudonyms) {
    const std::string body = " <e en=\"T\" t=\"00080018\" n=\"SOPInstanceUID\">@hashuid(@ROOT,this)</e>\n"
                             " <e en=\"T\" t=\"00100020\" n=\"PatientID\">@hash(this,10)</e>\n"
                             " <e en=\"T\" t=\"00080020\" n=\"StudyDate\">@incrementdate(this,-10)</e>\n"
                             " <e en=\"T\" t=\"00100010\" n=\"PatientName\">@if(this,isblank){@remove()}{@hashname(this,6,2)}</e>\n";
    const auto translated = translate(anonymizer(body), ctp::TranslationOptions{true});
    EXPECT_FALSE(translated.diagnostics.has_errors()) << format_text(translated.diagnostics.all().front());
    const std::string text = recipe_text(translated.recipe, anonymizer(body));
    EXPECT_THAT(text, HasSubstr("\nREPLACE SOPInstanceUID deid_func:hash_uid\n"));
    EXPECT_THAT(text, HasSubstr("\nREPLACE PatientID deid_func:hash_id length=10\n"));
    EXPECT_THAT(text, HasSubstr("\nREPLACE StudyDate deid_func:shift_date\n"));
    EXPECT_THAT(text, HasSubstr("\nREPLACE PatientName deid_func:ctp_keyed_script script=@if(this,isblank){@remove()}{@hashname(this,6,2)}\n"));
    // Without the flag, CTP's own algorithms.
    const std::string plain = recipe_text(translate(anonymizer(body)).recipe, anonymizer(body));
    EXPECT_THAT(plain, ::testing::Not(HasSubstr("deid_func:hash_uid")));
    EXPECT_THAT(plain, HasSubstr("deid_func:ctp_hashuid"));
}

TEST(CtpFrontEnd, SpansOfTheExampleScriptPointAtItsLines) {
    const std::string text = testing::read_bytes(kCtpDir / "example-ctp-dicom-anonymizer.script");
    const auto translated = translate(text);
    EXPECT_FALSE(translated.diagnostics.has_errors());
    const auto combined = ast::combine({translated.recipe}, const_cast<Diagnostics&>(translated.diagnostics));
    // Line 18:  <e en="T" t="00080018" n="SOPInstanceUID">@hashuid(@UIDROOT,this)</e>
    const auto sop = std::find_if(combined.actions.begin(), combined.actions.end(),
                                  [](const ast::HeaderAction& a) { return a.field.text == "SOPInstanceUID"; });
    ASSERT_NE(sop, combined.actions.end());
    EXPECT_EQ(sop->span.line, 18U);
    EXPECT_EQ(sop->span.column, 2U);   // the '<' of <e
    EXPECT_EQ(sop->field.span.column, 15U);  // 00080018
    const auto& builtin = std::get<ast::BuiltinValue>(sop->value->kind);
    EXPECT_EQ(builtin.options.at(0).span.column, 53U);  // @UIDROOT, the argument the root came from
    EXPECT_EQ(sop->value->span.column, 44U);            // @hashuid(...)
}

// import-ctp prints the AST and checks that it reads back; here on every
// CTP file of ../shared/data/ctp, and the printed recipe lints as the
// script does (nothing but the two notes on CTP's own rules).
TEST(CtpFrontEnd, EveryShippedScriptPrintsAsARecipeThatReadsBackTheSame) {
    for (const auto& name : {"example-ctp-dicom-anonymizer.script", "DicomPixelAnonymizer.script", "BurnedInPixelsFilter.script"}) {
        SCOPED_TRACE(name);
        const std::string text = testing::read_bytes(kCtpDir / name);
        auto translated = translate(text);
        EXPECT_FALSE(translated.diagnostics.has_errors());
        EXPECT_EQ(translated.diagnostics.warning_count(), 0U);
        const std::string printed = recipe_text(translated.recipe, text);
        Diagnostics reread;
        const ast::Recipe parsed = grammar::parse_recipe(printed, "printed.deid", reread);
        EXPECT_FALSE(reread.has_errors());
        const auto difference = ctp::difference(ast::combine({translated.recipe}, translated.diagnostics),
                                                ast::combine({parsed}, reread));
        EXPECT_EQ(difference, std::nullopt) << *difference;
        const auto plan = resolve(ast::combine({parsed}, reread), standard_dictionary(), {}, reread);
        EXPECT_EQ(reread.error_count(), 0U);
        EXPECT_EQ(reread.warning_count(), 0U);
    }
}

TEST(CtpFrontEnd, FilterScriptBecomesABlacklistOfWhatItRejects) {
    const std::string text = testing::read_bytes(kCtpDir / "BurnedInPixelsFilter.script");
    const auto translated = translate(text);
    EXPECT_EQ(recipe_text(translated.recipe, text),
              "FORMAT dicom\n"
              "%filter blacklist\n"
              "\n"
              "# test.script:1: ![0008,0008].contains(\"SAVE\") * \n"
              "LABEL rejected by CTP filter test.script\n"
              "  contains ImageType SAVE\n"
              "  contains SeriesDescription SAVE\n"
              "  contains DateOfSecondaryCapture .\n"
              "  contains SecondaryCaptureDeviceManufacturer .\n"
              "  contains SecondaryCaptureDeviceManufacturerModelName .\n"
              "  contains SecondaryCaptureDeviceSoftwareVersions .\n"
              "  contains BurnedInAnnotation YES\n");
}

TEST(CtpFrontEnd, ConditionsBecomeCriterionLinesInDisjunctiveForm) {
    const std::string text =
        "Heading # with a hash\n{ !(Modality.equals(\"CT\") + Rows.equals(\"\")) * SeriesDescription.startsWith(\"A+B\") }\n(1,2,3,4)\n";
    const auto translated = translate(text);
    ASSERT_FALSE(translated.diagnostics.has_errors()) << format_text(translated.diagnostics.all().front());
    EXPECT_THAT(recipe_text(translated.recipe, text),
                HasSubstr("LABEL Heading  with a hash\n"
                          "  notequals Modality CT + contains Rows . + contains SeriesDescription ^A\\+B\n"
                          "  ctpcoordinates 1,2,3,4\n"));
}

}  // namespace
}  // namespace deid
