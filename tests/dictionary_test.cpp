// The DCMTK-backed dictionary with the generated CTP and legacy tables.
// Expected values were read from /usr/share/libdcmtk17/*.dic and
// ../shared/data/ctp/dictionary.xml.

#include <gtest/gtest.h>

#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "support/suggest.hpp"

namespace deid {
namespace {

const ElementDictionary& dictionary() { return standard_dictionary(); }

TEST(Dictionary, FindsKeywordsCaseInsensitively) {
    const auto entry = dictionary().find_keyword("patientname");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->keyword, "PatientName");
    EXPECT_EQ(entry->group, 0x0010);
    EXPECT_EQ(entry->element, 0x0010);
    EXPECT_EQ(entry->vr, "PN");
    EXPECT_EQ(entry->name, "Patient's Name");
    EXPECT_FALSE(entry->retired);
}

TEST(Dictionary, RetiredKeywordsLoseTheirDcmtkPrefix) {
    const auto entry = dictionary().find_keyword("ReasonForStudy");  // RETIRED_ReasonForStudy in dicom.dic
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->group, 0x0032);
    EXPECT_EQ(entry->element, 0x1030);
    EXPECT_TRUE(entry->retired);
    EXPECT_FALSE(dictionary().find_keyword("RETIRED_ReasonForStudy"));
}

TEST(Dictionary, FindsDictionaryNamesAndTags) {
    const auto by_name = dictionary().find_name("patient's birth date");
    ASSERT_TRUE(by_name);
    EXPECT_EQ(by_name->keyword, "PatientBirthDate");
    const auto by_tag = dictionary().find_tag(0x0008, 0x0060);
    ASSERT_TRUE(by_tag);
    EXPECT_EQ(by_tag->keyword, "Modality");
    EXPECT_FALSE(dictionary().find_tag(0x0011, 0x1003));  // a private element: no standard entry
}

TEST(Dictionary, RepeatingGroupsAreMarked) {
    const auto overlay = dictionary().find_keyword("OverlayData");
    ASSERT_TRUE(overlay);
    EXPECT_EQ(overlay->group, 0x6000);
    EXPECT_EQ(overlay->element, 0x3000);
    EXPECT_TRUE(overlay->repeating);
}

TEST(Dictionary, LegacyAndCtpAliasesNameTheStandardElement) {
    const auto legacy = dictionary().find_alias("PatientsName");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->kind, AliasKind::legacy);
    EXPECT_EQ(legacy->target.keyword, "PatientName");
    const auto ctp = dictionary().find_alias("refsopinstanceuid");
    ASSERT_TRUE(ctp);
    EXPECT_EQ(ctp->kind, AliasKind::ctp);
    EXPECT_EQ(ctp->target.keyword, "ReferencedSOPInstanceUID");
    for (const auto& [alias, keyword] : std::vector<std::pair<std::string, std::string>>{
             {"PPSID", "PerformedProcedureStepID"},
             {"SPSStartDate", "ScheduledProcedureStepStartDate"},
             {"OperatorName", "OperatorsName"},
             {"ReferringPhysiciansIDSeq", "ReferringPhysicianIdentificationSequence"}}) {
        const auto found = dictionary().find_alias(alias);
        ASSERT_TRUE(found) << alias;
        EXPECT_EQ(found->target.keyword, keyword) << alias;
    }
    // A standard keyword is never an alias, and a misspelling is neither.
    EXPECT_FALSE(dictionary().find_alias("PatientName"));
    EXPECT_FALSE(dictionary().find_alias("jitter"));
}

TEST(Dictionary, FindsPrivateElementsByCreator) {
    const auto entry = dictionary().find_private(0x0019, "SIEMENS CT VA0  COAD", 0x10);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->keyword, "DistanceSourceToSourceSideCollimator");
    EXPECT_EQ(entry->vr, "DS");
    EXPECT_FALSE(dictionary().find_private(0x0019, "NO SUCH CREATOR", 0x10));
}

TEST(Suggest, ProposesTheClosestKeywordOnlyWhenPlausible) {
    const auto& keywords = dictionary().keywords();
    EXPECT_EQ(closest_match("PatientsNme", keywords), "PatientName");
    EXPECT_EQ(closest_match("PatientIDD", keywords), "PatientID");
    EXPECT_EQ(closest_match("Modalty", keywords), "Modality");
    EXPECT_EQ(closest_match("StudyDat", keywords), "StudyDate");
    EXPECT_EQ(closest_match("Foo", keywords), std::nullopt);
    EXPECT_EQ(closest_match("jitter", keywords), std::nullopt);
    EXPECT_EQ(closest_match("REMOV", {"ADD", "REMOVE", "REPLACE"}), "REMOVE");
}

}  // namespace
}  // namespace deid
