// The DCMTK-backed dictionary with the generated CTP and legacy tables.
// Expected values were read from /usr/share/libdcmtk17/{dicom,private}.dic and
// ../shared/data/ctp/{dictionary.xml,example-ctp-dicom-anonymizer.script}.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "runtime/dictionary/private_dictionary.hpp"

namespace deid {
namespace {

const ElementDictionary& dictionary() { return standard_dictionary(); }

TEST(Dictionary, IsBuiltOnceForTheProcess) { EXPECT_EQ(&standard_dictionary(), &standard_dictionary()); }

TEST(Dictionary, FindsKeywordsCaseInsensitively) {
    for (const char* spelling : {"PatientName", "patientname", "PATIENTNAME"}) {
        const auto entry = dictionary().find_keyword(spelling);
        ASSERT_TRUE(entry) << spelling;
        EXPECT_EQ(entry->keyword, "PatientName");
        EXPECT_EQ(entry->group, 0x0010);
        EXPECT_EQ(entry->element, 0x0010);
        EXPECT_EQ(entry->vr, "PN");
        EXPECT_EQ(entry->name, "Patient's Name");
        EXPECT_FALSE(entry->retired);
        EXPECT_FALSE(entry->repeating);
        EXPECT_TRUE(entry->private_creator.empty());
    }
    EXPECT_FALSE(dictionary().find_keyword("PatientsNme"));
}

TEST(Dictionary, RetiredKeywordsLoseTheirDcmtkPrefix) {
    // dicom.dic: (0032,1030) LO RETIRED_ReasonForStudy
    const auto entry = dictionary().find_keyword("ReasonForStudy");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->group, 0x0032);
    EXPECT_EQ(entry->element, 0x1030);
    EXPECT_EQ(entry->vr, "LO");
    EXPECT_EQ(entry->name, "Reason for Study");  // CTP's name without " (Retired)"
    EXPECT_TRUE(entry->retired);
    EXPECT_FALSE(dictionary().find_keyword("RETIRED_ReasonForStudy"));
    // CTP's key "ReasonforStudy" differs only in case: a keyword, not an alias.
    EXPECT_FALSE(dictionary().find_alias("ReasonforStudy"));
}

TEST(Dictionary, FindsDictionaryNamesCaseInsensitively) {
    const auto patient = dictionary().find_name("Patient's Name");
    ASSERT_TRUE(patient);
    EXPECT_EQ(patient->keyword, "PatientName");
    const auto birth = dictionary().find_name("patient's birth date");
    ASSERT_TRUE(birth);
    EXPECT_EQ(birth->keyword, "PatientBirthDate");
    EXPECT_FALSE(dictionary().find_name("PatientName"));
}

TEST(Dictionary, ANameSharedWithARetiredElementFindsTheCurrentOne) {
    // "Lossy Image Compression" is (0008,2110) retired and (0028,2110) current.
    const auto entry = dictionary().find_name("Lossy Image Compression");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->group, 0x0028);
    EXPECT_EQ(entry->element, 0x2110);
    EXPECT_FALSE(entry->retired);
    const auto retired = dictionary().find_tag(0x0008, 0x2110);
    ASSERT_TRUE(retired);
    EXPECT_EQ(retired->keyword, "LossyImageCompressionRetired");
    EXPECT_TRUE(retired->retired);
}

TEST(Dictionary, FindsTags) {
    const auto modality = dictionary().find_tag(0x0008, 0x0060);
    ASSERT_TRUE(modality);
    EXPECT_EQ(modality->keyword, "Modality");
    EXPECT_EQ(modality->vr, "CS");
    const auto meta = dictionary().find_tag(0x0002, 0x0010);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->keyword, "TransferSyntaxUID");
    EXPECT_FALSE(dictionary().find_tag(0x0011, 0x1003));  // private: no standard entry
    EXPECT_FALSE(dictionary().find_tag(0x0010, 0x0011));  // unassigned
}

TEST(Dictionary, RepeatingGroupsReportTheirFirstGroup) {
    const auto overlay = dictionary().find_keyword("OverlayData");  // (6000-60FF,3000), even groups
    ASSERT_TRUE(overlay);
    EXPECT_EQ(overlay->group, 0x6000);
    EXPECT_EQ(overlay->element, 0x3000);
    EXPECT_TRUE(overlay->repeating);
    EXPECT_EQ(overlay->name, "Overlay Data");  // CTP writes the tag (60xx,3000)

    const auto in_range = dictionary().find_tag(0x6002, 0x3000);
    ASSERT_TRUE(in_range);
    EXPECT_EQ(in_range->keyword, "OverlayData");
    EXPECT_EQ(in_range->group, 0x6000);
    EXPECT_FALSE(dictionary().find_tag(0x6001, 0x3000));  // odd: private

    const auto curve = dictionary().find_tag(0x50FE, 0x3000);  // (5000-50FF,3000) RETIRED_CurveData
    ASSERT_TRUE(curve);
    EXPECT_EQ(curve->keyword, "CurveData");
    EXPECT_TRUE(curve->retired);
}

TEST(Dictionary, ElementRangesAreFoundButDoNotRepeatGroups) {
    // (0020,3100-31FF) RETIRED_SourceImageIDs: one group, its even elements.
    const auto first = dictionary().find_keyword("SourceImageIDs");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->group, 0x0020);
    EXPECT_EQ(first->element, 0x3100);
    EXPECT_FALSE(first->repeating);
    const auto later = dictionary().find_tag(0x0020, 0x31FE);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->keyword, "SourceImageIDs");
    EXPECT_FALSE(dictionary().find_tag(0x0020, 0x31FF));
}

TEST(Dictionary, LeavesOutDcmtksCatchAllRows) {
    // (0009-o-FFFF,0010-u-00FF) PrivateCreator and friends span every group.
    for (const char* keyword : {"PrivateCreator", "PrivateGroupLength", "GenericGroupLength", "IllegalGroupLength",
                                "IllegalPrivateCreator"}) {
        EXPECT_FALSE(dictionary().find_keyword(keyword)) << keyword;
    }
    EXPECT_FALSE(dictionary().find_tag(0x0019, 0x0010));
    // The real group lengths stay.
    const auto meta_length = dictionary().find_tag(0x0002, 0x0000);
    ASSERT_TRUE(meta_length);
    EXPECT_EQ(meta_length->keyword, "FileMetaInformationGroupLength");
}

TEST(Dictionary, LegacyAliasesNameTheStandardElement) {
    const auto patient = dictionary().find_alias("PatientsName");
    ASSERT_TRUE(patient);
    EXPECT_EQ(patient->alias, "PatientsName");
    EXPECT_EQ(patient->kind, AliasKind::legacy);
    EXPECT_EQ(patient->target.keyword, "PatientName");
    EXPECT_EQ(patient->target.group, 0x0010);
    EXPECT_EQ(patient->target.element, 0x0010);
    EXPECT_EQ(patient->target.name, "Patient's Name");

    const auto referring = dictionary().find_alias("referringphysiciansname");
    ASSERT_TRUE(referring);
    EXPECT_EQ(referring->kind, AliasKind::legacy);
    EXPECT_EQ(referring->target.keyword, "ReferringPhysicianName");

    // "Operators' Name" spells the current keyword: not an alias.
    EXPECT_FALSE(dictionary().find_alias("OperatorsName"));
    // The micro sign is "u" in keywords; "Exposure in µAs" gives ExposureInuAs.
    EXPECT_FALSE(dictionary().find_alias("ExposureInAs"));
}

TEST(Dictionary, CtpNamesNameTheStandardElement) {
    const auto sop = dictionary().find_alias("refsopinstanceuid");
    ASSERT_TRUE(sop);
    EXPECT_EQ(sop->alias, "RefSOPInstanceUID");
    EXPECT_EQ(sop->kind, AliasKind::ctp);
    EXPECT_EQ(sop->target.keyword, "ReferencedSOPInstanceUID");
    EXPECT_EQ(sop->target.group, 0x0008);
    EXPECT_EQ(sop->target.element, 0x1155);

    struct Expected {
        const char* alias;
        const char* keyword;
        std::uint16_t group;
        std::uint16_t element;
    };
    for (const auto& [alias, keyword, group, element] : std::vector<Expected>{
             {"PPSID", "PerformedProcedureStepID", 0x0040, 0x0253},
             {"SPSStartDate", "ScheduledProcedureStepStartDate", 0x0040, 0x0002},
             {"OperatorName", "OperatorsName", 0x0008, 0x1070},
             // Only in the CTP script (its dictionary says ReferringPhysicianIdentificationSeq).
             {"ReferringPhysiciansIDSeq", "ReferringPhysicianIdentificationSequence", 0x0008, 0x0096},
             // CTP writes the tag (50xx,2600).
             {"RefOverlaySeqCurve", "CurveReferencedOverlaySequence", 0x5000, 0x2600}}) {
        const auto found = dictionary().find_alias(alias);
        ASSERT_TRUE(found) << alias;
        EXPECT_EQ(found->kind, AliasKind::ctp) << alias;
        EXPECT_EQ(found->target.keyword, keyword) << alias;
        EXPECT_EQ(found->target.group, group) << alias;
        EXPECT_EQ(found->target.element, element) << alias;
    }
}

TEST(Dictionary, AnAliasIsNeverAStandardKeyword) {
    EXPECT_FALSE(dictionary().find_alias("PatientName"));
    EXPECT_FALSE(dictionary().find_alias("jitter"));
    // CTP's key for (0020,0032) is ImagePosition, the keyword of the retired
    // (0020,0030): the standard keyword wins.
    EXPECT_FALSE(dictionary().find_alias("ImagePosition"));
    const auto keyword = dictionary().find_keyword("ImagePosition");
    ASSERT_TRUE(keyword);
    EXPECT_EQ(keyword->element, 0x0030);
    // CTP swaps the keys of (0048,021E) and (0048,021F).
    EXPECT_FALSE(dictionary().find_alias("RowPositionInTotalImagePixelMatrix"));
}

TEST(Dictionary, FindsPrivateElementsByCreator) {
    // private.dic: (0019,"SIEMENS CT VA0  COAD",10) DS DistanceSourceToSourceSideCollimator
    const auto entry = dictionary().find_private(0x0019, "SIEMENS CT VA0  COAD", 0x10);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->keyword, "DistanceSourceToSourceSideCollimator");
    EXPECT_EQ(entry->vr, "DS");
    EXPECT_EQ(entry->group, 0x0019);
    EXPECT_EQ(entry->element, 0x10);
    EXPECT_EQ(entry->private_creator, "SIEMENS CT VA0  COAD");
    const auto other = dictionary().find_private(0x0019, "SIEMENS CT VA0  COAD", 0x90);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->keyword, "OsteoOffset");
    EXPECT_FALSE(dictionary().find_private(0x0019, "NO SUCH CREATOR", 0x10));
    EXPECT_FALSE(dictionary().find_private(0x0019, "siemens ct va0  coad", 0x10));  // creators are exact
}

TEST(Dictionary, FindsPrivateElementsInRepeatingGroups) {
    // private.dic: (6001-o-60ff,"PAPYRUS 3.0",b0) LO ROIType
    const auto entry = dictionary().find_private(0x6011, "PAPYRUS 3.0", 0xB0);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->keyword, "ROIType");
    EXPECT_EQ(entry->group, 0x6001);
    EXPECT_FALSE(dictionary().find_private(0x6010, "PAPYRUS 3.0", 0xB0));
}

TEST(Dictionary, KeywordsAreSortedUniqueAndStandard) {
    const auto& keywords = dictionary().keywords();
    EXPECT_GT(keywords.size(), 4000U);
    EXPECT_TRUE(std::is_sorted(keywords.begin(), keywords.end()));
    EXPECT_EQ(std::adjacent_find(keywords.begin(), keywords.end()), keywords.end());
    EXPECT_TRUE(std::binary_search(keywords.begin(), keywords.end(), "PatientName"));
    EXPECT_TRUE(std::binary_search(keywords.begin(), keywords.end(), "ReasonForStudy"));
    EXPECT_FALSE(std::binary_search(keywords.begin(), keywords.end(), "DistanceSourceToSourceSideCollimator"));
}

TEST(Dictionary, ListsStandardEntriesInTagOrder) {
    std::size_t count = 0;
    std::uint32_t previous = 0;
    bool ordered = true;
    bool any_private = false;
    dictionary().for_each_standard([&](const DictionaryEntry& entry) {
        const std::uint32_t tag = (static_cast<std::uint32_t>(entry.group) << 16U) | entry.element;
        ordered = ordered && (count == 0 || tag > previous);
        any_private = any_private || !entry.private_creator.empty();
        previous = tag;
        ++count;
    });
    EXPECT_GT(count, 4000U);
    EXPECT_TRUE(ordered);
    EXPECT_FALSE(any_private);
}

TEST(Dictionary, GeneratedTablesAreUpToDate) {
    const std::filesystem::path source = DEID_SOURCE_DIR;
    const std::filesystem::path inputs = source / ".." / "shared" / "data" / "ctp";
    if (!std::filesystem::exists(inputs / "dictionary.xml") ||
        !std::filesystem::exists("/usr/share/libdcmtk17/dicom.dic") || std::system("python3 --version >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "generator inputs or python3 not available";
    }
    const std::string command =
        "python3 '" + (source / "tools" / "generate_dictionary_tables.py").string() + "' --check 2>/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0) << "re-run tools/generate_dictionary_tables.py";
}

TEST(Dictionary, PrivateEntriesComeFromPydicomsTable) {
    const auto name_of = [](std::uint16_t group, std::uint16_t element, std::string_view creator) {
        const auto entry = find_private_entry(group, element, creator);
        return entry ? std::string(entry->name) + " " + std::string(entry->vr) : std::string("none");
    };
    // "0033xx1E": any block of the creator.
    EXPECT_EQ(name_of(0x0033, 0x101E, "MITRA OBJECT UTF8 ATTRIBUTES 1.0"), "Performing Physician's Name Phonetic PN");
    EXPECT_EQ(name_of(0x0033, 0x121E, "MITRA OBJECT UTF8 ATTRIBUTES 1.0"), "Performing Physician's Name Phonetic PN");
    EXPECT_EQ(name_of(0x0033, 0x101E, "MITRA OBJECT UTF8 ATTRIBUTES 1.1"), "none");  // creators are exact
    EXPECT_EQ(name_of(0x0033, 0x10FE, "MITRA OBJECT UTF8 ATTRIBUTES 1.0"), "none");
    // DCMTK's private.dic calls this one TotalSegmentsRequested.
    EXPECT_EQ(name_of(0x0019, 0x1043, "GEMS_ACQU_01"), "Total Segments Required SS");
    // "00290001": the whole tag, tried first; "60xxxxB0": any group of the range.
    EXPECT_EQ(name_of(0x0029, 0x0001, "CANON_MEC_MR3"), "Other Private Data SQ");
    EXPECT_EQ(name_of(0x6011, 0x10B0, "PAPYRUS 3.0"), "ROI Type LO");
    EXPECT_EQ(name_of(0x0029, 0x1142, "SIEMENS MEDCOM HEADER"), "Application Header ID LO");
}

TEST(Dictionary, PrivateDictionaryTableIsUpToDate) {
    const std::filesystem::path source = DEID_SOURCE_DIR;
    const auto table = std::filesystem::path(DEID_SHARED_DIR) / "data" / "pydicom-private" / "private_dictionary.json";
    ASSERT_TRUE(std::filesystem::exists(table)) << table;
    const std::string command = "python3 '" + (source / "tools" / "generate_private_dictionary.py").string() +
                                "' --check --source '" + table.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << "re-run tools/generate_private_dictionary.py";
}

}  // namespace
}  // namespace deid
