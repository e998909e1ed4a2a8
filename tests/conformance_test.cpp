// Every `put` case of ../shared/conformance: the recipe runs through
// `deid put` (run_put, exactly as the CLI) and the output is compared with
// what the established tool produced, by the cases' own compare.py.
// Cases that cannot apply yet are skipped with the reason printed.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/clean_command.hpp"
#include "engine/inspect_command.hpp"
#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

const std::filesystem::path kCases = testing::kSharedDir / "conformance" / "cases";

nlohmann::json case_json(const std::string& name) {
    std::ifstream stream(kCases / name / "case.json");
    return nlohmann::json::parse(stream);
}

std::vector<std::string> cases_of_kind(const std::string& kind) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(kCases)) {
        if (case_json(entry.path().filename().string())["kind"] == kind) {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

class PutConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(PutConformance, MatchesTheEstablishedTool) {
    const std::string name = GetParam();
    const auto spec = case_json(name);
    ASSERT_FALSE(spec.contains("deviation")) << "put deviations need their own expected_here handling";

    const auto work = testing::fresh_subdir("deid_conformance_" + name);
    PutOptions options;
    const std::filesystem::path input = testing::kSharedDir / spec["input"].get<std::string>();
    options.inputs = {input};
    for (const auto& recipe : spec["recipes"]) {
        options.recipes.push_back(kCases / name / recipe.get<std::string>());
    }
    options.output = work / "out";
    options.force = true;  // some cases use recipes with lint errors on purpose
    options.remove_private = spec.value("remove_private", false);
    if (spec.contains("lua")) {
        options.lua_scripts = {kCases / name / spec["lua"].get<std::string>()};
    }
    if (spec.contains("vars")) {
        std::ofstream(work / "vars.json") << spec["vars"].dump();
        options.variables = work / "vars.json";
    }
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_put(options, standard_dictionary(), out, err), 0) << err.str();

    std::string command = "python3 " + (testing::kSharedDir / "conformance/compare.py").string() + " " +
                          (kCases / name / "expected.dcm").string() + " " +
                          (options.output / input.filename()).string();
    for (const auto& tag : spec.value("ignore", nlohmann::json::array())) {
        command += " --ignore '" + tag.get<std::string>() + "'";
    }
    command += " > " + (work / "compare.txt").string() + " 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << name << ":\n" << testing::read_bytes(work / "compare.txt") << "\ndeid said:\n" << err.str();
}

INSTANTIATE_TEST_SUITE_P(Cases, PutConformance, ::testing::ValuesIn(cases_of_kind("put")),
                         [](const auto& info) { return info.param; });

class CleanConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(CleanConformance, DecodedPixelsMatch) {
    const std::string name = GetParam();
    const auto spec = case_json(name);
    const auto work = testing::scratch_dir() / ("deid_conformance_" + name);
    std::filesystem::remove_all(work);
    CleanOptions options;
    const std::filesystem::path input = testing::kSharedDir / spec["input"].get<std::string>();
    options.inputs = {input};
    for (const auto& recipe : spec["recipes"]) {
        options.recipes.push_back(kCases / name / recipe.get<std::string>());
    }
    options.output = work;
    options.force = true;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), 0) << err.str();
    const std::string command = "python3 " + (testing::kSharedDir / "conformance/compare.py").string() + " --pixels " +
                                (kCases / name / "expected.dcm").string() + " " + (work / input.filename()).string() +
                                " > " + (work / "compare.txt").string() + " 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << name << ":\n" << testing::read_bytes(work / "compare.txt");
}

INSTANTIATE_TEST_SUITE_P(Cases, CleanConformance, ::testing::ValuesIn(cases_of_kind("clean")),
                         [](const auto& info) { return info.param; });

class InspectConformance : public ::testing::TestWithParam<std::string> {};

// What a case compares: flagged, and each matched entry's group and regions
// in order (the reason is free text).
nlohmann::json comparable(const nlohmann::json& outcome) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& result : outcome["results"]) {
        results.push_back({{"group", result["group"]}, {"coordinates", result["coordinates"]}});
    }
    return {{"flagged", outcome["flagged"]}, {"results", results}};
}

TEST_P(InspectConformance, MatchesTheEstablishedToolOrTheSpec) {
    const std::string name = GetParam();
    if (name == "filter_default_us") {
        GTEST_SKIP() << name << ": spec §4 reads '|| contains BurnedInAnnotation YES' at the start of a line as OR, "
                        "so this ultrasound (BurnedInAnnotation YES) is also flagged by the blacklist LABEL 'Burned In "
                        "Annotation'; the established tool ANDs every line whatever its operator and does not flag "
                        "it. The case has no deviation entry: decision asked of the spec owner";
    }
    const auto spec = case_json(name);
    InspectOptions options;
    options.inputs = {testing::kSharedDir / spec["input"].get<std::string>()};
    for (const auto& recipe : spec["recipes"]) {
        options.recipes.push_back(kCases / name / recipe.get<std::string>());
    }
    options.force = true;
    options.format = InspectFormat::json;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_inspect(options, standard_dictionary(), out, err), 0) << err.str();
    const auto report = nlohmann::json::parse(out.str());
    const auto actual = comparable(report["files"][options.inputs[0].string()]);
    nlohmann::json expected;
    if (spec.contains("deviation")) {
        expected = comparable(spec["deviation"]["expected_here"]);
    } else {
        std::ifstream stream(kCases / name / "expected.json");
        expected = comparable(nlohmann::json::parse(stream));
    }
    EXPECT_EQ(actual, expected) << name << "\n" << out.str();
}

INSTANTIATE_TEST_SUITE_P(Cases, InspectConformance, ::testing::ValuesIn(cases_of_kind("inspect")),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace deid
