// %filter screening (spec §4) on in-memory datasets.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>

#include "interpreter/ast/combine.hpp"
#include "interpreter/eval/filters.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

FilterOutcome screen_with(const std::string& filters) {
    Diagnostics diagnostics;
    const auto recipe = grammar::parse_recipe("FORMAT dicom\n" + filters, "test.deid", diagnostics);
    const auto plan = resolve(ast::combine({recipe}, diagnostics), standard_dictionary(), {}, diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << filters;
    DcmFileFormat file;
    DcmDataset& dataset = *file.getDataset();
    dataset.putAndInsertString(DCM_Modality, "CT");
    dataset.putAndInsertString(DCM_Manufacturer, "GE MEDICAL SYSTEMS ");
    dataset.putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY\\SCREEN SAVE");
    dataset.putAndInsertString(DCM_BurnedInAnnotation, "YES");
    dataset.putAndInsertString(DCM_ContentDate, "");
    dataset.putAndInsertUint16(DCM_Rows, 512);
    dataset.putAndInsertString(DcmTag(0x0011, 0x0003, EVR_LO), "Agfa");
    for (const auto& [x0, y0, x1, y1] : {std::array{1, 2, 30, 40}, std::array{50, 60, 70, 80}}) {
        DcmItem* item = nullptr;
        dataset.findOrCreateSequenceItem(DCM_SequenceOfUltrasoundRegions, item, -2);
        item->putAndInsertUint32(DCM_RegionLocationMinX0, x0);
        item->putAndInsertUint32(DCM_RegionLocationMinY0, y0);
        item->putAndInsertUint32(DCM_RegionLocationMaxX1, x1);
        item->putAndInsertUint32(DCM_RegionLocationMaxY1, y1);
    }
    return screen(plan, DcmtkDataset(file));
}

bool flags(const std::string& label_body) {
    return screen_with("%filter graylist\nLABEL test\n" + label_body).flagged;
}

TEST(Filters, CriteriaAndTheirValues) {
    EXPECT_TRUE(flags("  contains Modality ct\n"));                  // case-insensitive
    EXPECT_TRUE(flags("  contains Manufacturer GE MED.*SYSTEMS\n"));  // a regex, value trimmed
    EXPECT_FALSE(flags("  contains Modality MR\n"));
    EXPECT_TRUE(flags("  notcontains Modality MR\n"));
    EXPECT_TRUE(flags("  equals Rows 512\n"));
    EXPECT_TRUE(flags("  equals ImageType secondary\n"));  // any value of a multi-valued element
    EXPECT_TRUE(flags("  equals Modality MR|CT\n"));       // alternatives, spec §4
    EXPECT_FALSE(flags("  equals Modality C\n"));          // equality, not search
    EXPECT_TRUE(flags("  notequals Modality MR\n"));
    EXPECT_TRUE(flags("  contains 0x00110003 agfa\n"));
}

TEST(Filters, MissingPresentAndEmpty) {
    EXPECT_TRUE(flags("  missing PatientName\n"));
    EXPECT_FALSE(flags("  present PatientName\n"));
    EXPECT_TRUE(flags("  empty ContentDate\n"));
    EXPECT_FALSE(flags("  empty PatientName\n"));  // absent is not empty
    // Negated tests hold for an absent element, as in the established tool.
    EXPECT_TRUE(flags("  notcontains PatientName SMITH\n"));
    EXPECT_TRUE(flags("  notequals PatientName SMITH\n"));
}

TEST(Filters, OperatorsReadLeftToRightAndLinesFormChecks) {
    EXPECT_TRUE(flags("  contains Modality CT + contains Manufacturer GE\n"));
    EXPECT_FALSE(flags("  contains Modality CT + contains Manufacturer SIEMENS\n"));
    EXPECT_TRUE(flags("  contains Modality MR || contains Manufacturer GE\n"));
    // No precedence: (MR or CT) and SIEMENS.
    EXPECT_FALSE(flags("  contains Modality MR || contains Modality CT + contains Manufacturer SIEMENS\n"));
    // A leading + joins the line before; a leading || is an alternative to it.
    EXPECT_FALSE(flags("  contains Modality CT\n  + contains Manufacturer SIEMENS\n"));
    EXPECT_TRUE(flags("  contains Modality MR\n  || contains BurnedInAnnotation YES\n"));
    // A line without operator starts a new check; any check suffices.
    EXPECT_TRUE(flags("  contains Modality MR\n  contains Modality CT\n"));
    EXPECT_FALSE(flags("  contains Modality MR\n  contains Modality PT\n"));
}

TEST(Filters, RegionsOfMatchedLabels) {
    const auto outcome = screen_with(
        "%filter graylist\n"
        "LABEL only coordinates\n  coordinates all\n  keepcoordinates from:SequenceOfUltrasoundRegions\n"
        "LABEL ctp\n  contains Modality CT\n  ctpcoordinates 10,20,30,40\n"
        "%filter blacklist\nLABEL never\n  contains Modality MR\n  coordinates 0,0,1,1\n");
    ASSERT_TRUE(outcome.flagged);
    ASSERT_EQ(outcome.matches.size(), 2u);
    EXPECT_EQ(outcome.matches[0].label, "only coordinates");
    ASSERT_EQ(outcome.matches[0].regions.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<plan::WholeImage>(outcome.matches[0].regions[0].area));
    const auto& from = std::get<std::vector<plan::Rect>>(outcome.matches[0].regions[1].area);
    ASSERT_EQ(from.size(), 2u);
    EXPECT_EQ(rect_text(from[0]), "1,2,30,40");
    EXPECT_EQ(rect_text(from[1]), "50,60,70,80");
    EXPECT_EQ(outcome.matches[0].regions[1].mask, ast::RegionMask::keep);
    EXPECT_EQ(outcome.matches[1].group, "graylist");
    EXPECT_EQ(rect_text(std::get<plan::Rect>(outcome.matches[1].regions[0].area)), "10,20,40,60");
}

}  // namespace
}  // namespace deid
