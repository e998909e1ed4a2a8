// recipes/examples/research-ids, run end to end as its README shows.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

std::string value_of(const std::filesystem::path& file, const DcmTagKey& tag) {
    DcmFileFormat dicom;
    EXPECT_TRUE(dicom.loadFile(file.c_str()).good()) << file;
    OFString value;
    dicom.getDataset()->findAndGetOFString(tag, value);
    return value.c_str();
}

TEST(Examples, ResearchIdLookupFromACsvMapping) {
    const auto example = std::filesystem::path("recipes/examples/research-ids");  // tests run from the source root
    const auto work = testing::fresh_subdir("deid_example_research_ids");
    std::ofstream(work / "secrets.json") << R"({"site_secret": "change-me"})";
    PutOptions options;
    options.inputs = {testing::kSharedDir / "data/dicom/deid-data/dicom-cookies"};
    options.with_default_recipe = true;
    options.recipes = {example / "deid.research-ids"};
    options.lua_scripts = {example / "lookup.lua"};
    options.lua_data = {example / "mapping.csv"};
    options.variables = work / "secrets.json";
    options.output = work / "out";
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_put(options, standard_dictionary(), out, err), 0) << err.str();
    for (int n = 1; n <= 7; ++n) {
        const auto file = work / "out" / ("image" + std::to_string(n) + ".dcm");
        EXPECT_EQ(value_of(file, DCM_PatientID), "STUDY-0001") << file;  // every cookie is cookie-47
        EXPECT_EQ(value_of(file, DCM_PatientName), "STUDY-0001") << file;
        EXPECT_EQ(value_of(file, DCM_PatientIdentityRemoved), "YES") << file;
    }
    // image1 has an empty AccessionNumber: printf '' | openssl dgst -sha256 -hmac change-me, first 16 hex digits.
    EXPECT_EQ(value_of(work / "out/image1.dcm", DCM_AccessionNumber), "506f5a4f5fa6659c");
}

std::filesystem::path write_recipe_for_test(const std::filesystem::path& folder) {
    return testing::write_text(folder / "recipe.deid", "FORMAT dicom\n%header\nREPLACE PatientID func:research_id\n");
}

TEST(Examples, AnUnmappedPatientFailsItsFile) {
    const auto work = testing::fresh_subdir("deid_example_unmapped");
    std::ofstream(work / "mapping.csv") << "PatientID,ResearchID\nsomeone-else,STUDY-9\n";
    std::ofstream(work / "lookup.lua") << "local ids = deid.csv('" + (work / "mapping.csv").string() +
                                              "', 'PatientID', 'ResearchID')\n"
                                              "function research_id(field, value, vars, dataset)\n"
                                              "  return ids[dataset:get('PatientID')] or error('not mapped')\nend\n";
    PutOptions options;
    options.inputs = {testing::kSharedDir / "data/dicom/deid-data/dicom-cookies/image1.dcm"};
    options.recipes = {write_recipe_for_test(work)};
    options.lua_scripts = {work / "lookup.lua"};
    options.lua_data = {work / "mapping.csv"};
    options.output = work / "out";
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_put(options, standard_dictionary(), out, err), 1);
    EXPECT_THAT(err.str(), ::testing::HasSubstr("lookup.lua:3: not mapped in function research_id"));
    EXPECT_FALSE(std::filesystem::exists(work / "out/image1.dcm"));
}

}  // namespace
}  // namespace deid
