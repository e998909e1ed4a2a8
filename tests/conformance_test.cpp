// Every case of ../shared/conformance (what the established tool produced)
// and of tests/conformance (this project's own, same layout): the recipe
// runs through `deid put`, `inspect` or `clean` exactly as the CLI runs it,
// and the output is compared by the cases' own compare.py. Where the spec
// deliberately differs from the established tool, the case's `deviation`
// says what this project must give instead (`expected_here`); no case is
// skipped.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "engine/clean_command.hpp"
#include "engine/inspect_command.hpp"
#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

const std::filesystem::path kSharedCases = testing::kSharedDir / "conformance" / "cases";
const std::filesystem::path kOwnCases = testing::kSourceDir / "tests" / "conformance";
const std::filesystem::path kCompare = testing::kSharedDir / "conformance" / "compare.py";

// One case: its folder and its case.json.
struct Case {
    std::string name;  // "shared_add_new_field", "own_priv_tag_forms": a test name
    std::filesystem::path folder;
    nlohmann::json spec;

    [[nodiscard]] std::filesystem::path input() const { return testing::kSharedDir / spec["input"].get<std::string>(); }
    [[nodiscard]] std::vector<std::filesystem::path> recipes() const {
        std::vector<std::filesystem::path> recipes;
        for (const auto& recipe : spec["recipes"]) {
            recipes.push_back(folder / recipe.get<std::string>());
        }
        return recipes;
    }
    // The deviation's expected_here, else the established tool's result.
    [[nodiscard]] const nlohmann::json* expected_here() const {
        if (spec.contains("deviation") && spec["deviation"].contains("expected_here")) {
            return &spec["deviation"]["expected_here"];
        }
        return nullptr;
    }
    // put, clean: the file to compare with (a deviation names its own).
    [[nodiscard]] std::filesystem::path expected_file() const {
        const auto* here = expected_here();
        return folder / (here != nullptr ? here->get<std::string>() : std::string("expected.dcm"));
    }
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.folder.string(); }

std::vector<Case> cases_of_kind(const std::string& kind) {
    std::vector<Case> cases;
    for (const auto& [root, prefix] : {std::pair{kSharedCases, "shared_"}, std::pair{kOwnCases, "own_"}}) {
        for (const auto& entry : std::filesystem::directory_iterator(root)) {
            if (!std::filesystem::exists(entry.path() / "case.json")) {
                continue;
            }
            std::ifstream stream(entry.path() / "case.json");
            Case c{prefix + entry.path().filename().string(), entry.path(), nlohmann::json::parse(stream)};
            if (c.spec["kind"] == kind) {
                cases.push_back(std::move(c));
            }
        }
    }
    std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
    return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// compare.py EXPECTED CANDIDATE [--ignore TAG...] [--pixels]; its report on failure.
std::string compare(const Case& c, const std::filesystem::path& candidate, const std::filesystem::path& work,
                    bool pixels) {
    std::string command = "python3 " + kCompare.string() + (pixels ? " --pixels " : " ") + c.expected_file().string() +
                          " " + candidate.string();
    for (const auto& tag : c.spec.value("ignore", nlohmann::json::array())) {
        command += " --ignore '" + tag.get<std::string>() + "'";
    }
    command += " > " + (work / "compare.txt").string() + " 2>&1";
    if (std::system(command.c_str()) == 0) {
        return "";
    }
    return "differs:\n" + testing::read_bytes(work / "compare.txt");
}

// Own cases only: values an ignored element must have ("values_match":
// {"(0010,0020)": regex}), for outputs that are random by design.
std::string check_values(const Case& c, const std::filesystem::path& candidate, const std::filesystem::path& work) {
    std::string problems;
    const nlohmann::json wanted = c.spec.value("values_match", nlohmann::json::object());
    for (const auto& [tag, pattern] : wanted.items()) {
        const auto dump = work / "values.txt";
        const std::string bare = tag.substr(1, 9);  // dcmdump +P takes "gggg,eeee"
        const std::string command = "dcmdump -q +P " + bare + " " + candidate.string() + " > " + dump.string();
        const std::string printed = std::system(command.c_str()) == 0 ? testing::read_bytes(dump) : "";
        std::string value;
        if (!re2::RE2::PartialMatch(printed, R"(\[([^\]]*)\])", &value) ||
            !re2::RE2::FullMatch(value, pattern.get<std::string>())) {
            problems += tag + " is '" + printed + "', which does not match " + pattern.get<std::string>() + "\n";
        }
    }
    return problems;
}

class PutConformance : public ::testing::TestWithParam<Case> {};

TEST_P(PutConformance, MatchesTheEstablishedToolOrTheSpec) {
    const Case& c = GetParam();
    const auto work = testing::fresh_subdir("deid_conformance_" + c.name);
    PutOptions options;
    options.inputs = {c.input()};
    options.recipes = c.recipes();
    options.output = work / "out";
    options.force = true;  // some cases use recipes with lint errors on purpose
    options.remove_private = c.spec.value("remove_private", false);
    if (c.spec.contains("lua")) {
        options.lua_scripts = {c.folder / c.spec["lua"].get<std::string>()};
    }
    if (c.spec.contains("vars")) {
        std::ofstream(work / "vars.json") << c.spec["vars"].dump();
        options.variables = work / "vars.json";
    }
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_put(options, standard_dictionary(), out, err), 0) << err.str();
    const auto candidate = options.output / c.input().filename();
    EXPECT_EQ(compare(c, candidate, work, false) + check_values(c, candidate, work), "")
        << c.folder.string() << "\ndeid said:\n" << err.str();
}

INSTANTIATE_TEST_SUITE_P(Cases, PutConformance, ::testing::ValuesIn(cases_of_kind("put")), case_name);

class CleanConformance : public ::testing::TestWithParam<Case> {};

TEST_P(CleanConformance, DecodedPixelsMatch) {
    const Case& c = GetParam();
    const auto work = testing::fresh_subdir("deid_conformance_" + c.name);
    CleanOptions options;
    options.inputs = {c.input()};
    options.recipes = c.recipes();
    options.output = work / "out";
    options.force = true;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), 0) << err.str();
    EXPECT_EQ(compare(c, options.output / c.input().filename(), work, true), "") << c.folder.string();
}

INSTANTIATE_TEST_SUITE_P(Cases, CleanConformance, ::testing::ValuesIn(cases_of_kind("clean")), case_name);

class InspectConformance : public ::testing::TestWithParam<Case> {};

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
    const Case& c = GetParam();
    InspectOptions options;
    options.inputs = {c.input()};
    options.recipes = c.recipes();
    options.force = true;
    options.format = InspectFormat::json;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_inspect(options, standard_dictionary(), out, err), 0) << err.str();
    const auto report = nlohmann::json::parse(out.str());
    const auto actual = comparable(report["files"][options.inputs[0].string()]);
    nlohmann::json expected;
    if (const auto* here = c.expected_here()) {
        expected = comparable(*here);
    } else {
        std::ifstream stream(c.folder / "expected.json");
        expected = comparable(nlohmann::json::parse(stream));
    }
    EXPECT_EQ(actual, expected) << c.folder.string() << "\n" << out.str();
}

INSTANTIATE_TEST_SUITE_P(Cases, InspectConformance, ::testing::ValuesIn(cases_of_kind("inspect")), case_name);

}  // namespace
}  // namespace deid
