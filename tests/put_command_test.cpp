// `deid put` on real files: the round trip over every file of
// ../shared/data/dicom, determinism, and the safety rules of the command.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kData = testing::kSharedDir / "data" / "dicom";

std::filesystem::path fresh_folder(const std::string& name) { return testing::fresh_subdir("deid_put_test_" + name); }

std::filesystem::path write_recipe(const std::filesystem::path& folder, const std::string& text) {
    return testing::write_text(folder / "recipe.deid", text);
}

testing::CommandRun put(const PutOptions& options) { return testing::run_command(run_put, options); }

// compare.py's normalised dumps of many (expected, candidate) pairs, made in
// one Python process (its start-up would dominate a run per file). Empty
// for a pair whose dumps are equal.
std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> differing_dumps(
    const std::vector<std::pair<std::filesystem::path, std::filesystem::path>>& pairs,
    const std::filesystem::path& scratch) {
    std::ofstream(scratch / "pairs.txt") << [&] {
        std::string listing;
        for (const auto& [expected, candidate] : pairs) {
            listing += expected.string() + "\t" + candidate.string() + "\n";
        }
        return listing;
    }();
    testing::write_text(scratch / "compare_all.py",
                        "import sys\n"
                        "sys.path.insert(0, sys.argv[1])\n"
                        "import compare\n"
                        "for n, line in enumerate(open(sys.argv[2])):\n"
                        "    a, b = (compare.normalise(compare.dump(p)) for p in line.rstrip('\\n').split('\\t'))\n"
                        "    if a != b:\n"
                        "        for side, lines in (('a', a), ('b', b)):\n"
                        "            open(f'{sys.argv[3]}/{n}.{side}', 'w').write('\\n'.join(lines))\n");
    const auto dumps = scratch / "dumps";
    std::filesystem::create_directories(dumps);
    const std::string command = "python3 '" + (scratch / "compare_all.py").string() + "' '" +
                                (testing::kSharedDir / "conformance").string() + "' '" +
                                (scratch / "pairs.txt").string() + "' '" + dumps.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0);
    auto lines_of = [](const std::filesystem::path& file) {
        std::vector<std::string> lines;
        std::istringstream stream(testing::read_bytes(file));
        for (std::string line; std::getline(stream, line);) {
            lines.push_back(line);
        }
        return lines;
    };
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> result(pairs.size());
    for (std::size_t n = 0; n < pairs.size(); ++n) {
        if (std::filesystem::exists(dumps / (std::to_string(n) + ".a"))) {
            result[n] = {lines_of(dumps / (std::to_string(n) + ".a")), lines_of(dumps / (std::to_string(n) + ".b"))};
        }
    }
    return result;
}

// How a round-tripped file may differ from its input, and why.
struct KnownDifference {
    std::string reason;
    std::vector<std::string> changed;  // dump lines starting so may differ ("(0002,0003)", "# Used")
    bool illegal_groups_dropped = false;  // top-level elements of groups 0001/0003/0005/0007/FFFF are gone
};

// The dump without its lines that `difference` allows to change.
std::vector<std::string> without_known_changes(std::vector<std::string> lines, const KnownDifference& difference) {
    if (difference.illegal_groups_dropped) {
        std::vector<std::string> kept;
        bool inside_dropped = false;
        for (const auto& line : lines) {
            const bool top_level = !line.starts_with(" ");
            if (top_level) {
                constexpr std::array<std::string_view, 5> kIllegal = {"(0001,", "(0003,", "(0005,", "(0007,", "(ffff,"};
                inside_dropped = std::any_of(kIllegal.begin(), kIllegal.end(),
                                             [&](std::string_view group) { return line.starts_with(group); });
            }
            if (!inside_dropped) {
                kept.push_back(line);
            }
        }
        lines = std::move(kept);
    }
    std::erase_if(lines, [&](const std::string& line) {
        return std::any_of(difference.changed.begin(), difference.changed.end(),
                           [&](const std::string& start) { return line.starts_with(start); });
    });
    return lines;
}

TEST(PutCommand, EmptyHeaderRoundTripsEveryReadableFile) {
    const auto work = fresh_folder("round_trip");
    PutOptions options;
    options.inputs = {kData};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\n")};
    options.output = work / "out";
    const testing::CommandRun run = put(options);

    // Broken files (Part 10 marker, unreadable): one error line each, the batch goes on, exit 1.
    EXPECT_EQ(run.status, 1);
    for (const auto* broken : {"MR_truncated.dcm", "SC_rgb_jpeg.dcm", "rtplan_truncated.dcm"}) {
        EXPECT_THAT(run.err, HasSubstr(std::string(broken) + ": error: broken DICOM file")) << broken;
    }
    EXPECT_THAT(run.err, HasSubstr("README.txt: skipped: not a DICOM file"));
    EXPECT_THAT(run.err, HasSubstr("deid put: 166 written, 20 skipped, 3 failed"));
    // Elements of illegal groups are dropped, each named (issue 11: they cannot be written legally).
    EXPECT_THAT(run.err, HasSubstr("ctbrain2.dcm: warning: (0007,0001): dropped: group 0007 is illegal in DICOM, so "
                                   "the element cannot be written, and it may hold anything\n"));
    for (const auto* element : {"(0007,0002)", "(0007,0003)", "(0007,0011)", "(0007,0012)", "(0007,0013)"}) {
        EXPECT_THAT(run.err, HasSubstr(std::string("ctbrain2.dcm: warning: ") + element + ": dropped: group 0007"));
    }
    // (0007,0014) stands inside (0007,0013): it goes with it, unnamed.
    EXPECT_THAT(run.err, Not(HasSubstr("(0007,0014)")));
    EXPECT_THAT(run.err, HasSubstr("meta_missing_tsyntax.dcm: warning: (0001,0001): dropped: group 0001 is illegal"));
    // The same text for nested_priv_SQ.dcm, counted once printed.
    EXPECT_THAT(run.err, HasSubstr("deid put: the same warning for 1 more file: (0001,0001): dropped: group 0001"));

    // Where the output differs from the input, and why (each checked by hand
    // with compare.py): outside the lines named, input and output are equal.
    const KnownDifference no_meta{"no file meta in the input; the output is Part 10 with one", {"(0002,", "# Used"}};
    const KnownDifference meta_follows{
        "the input's MediaStorageSOPInstanceUID disagrees with SOPInstanceUID; meta follows the dataset", {"(0002,0003)"}};
    const std::map<std::string, KnownDifference> known = {
        {"ExplVR_BigEndNoMeta.dcm", no_meta},
        {"ExplVR_LitEndNoMeta.dcm", no_meta},
        {"rtstruct.dcm", no_meta},
        {"badVR.dcm", meta_follows},
        {"rtdose.dcm", meta_follows},
        {"rtdose_1frame.dcm", meta_follows},
        {"rtdose_expb.dcm", meta_follows},
        {"rtdose_expb_1frame.dcm", meta_follows},
        {"rtplan.dcm", meta_follows},
        {"meta_missing_tsyntax.dcm",
         {"elements of the illegal group 0001 dropped; its meta header lacks TransferSyntaxUID, the output's has it",
          {"(0002,0010)"}, true}},
        {"nested_priv_SQ.dcm", {"elements of the illegal group 0001 dropped", {}, true}},
        {"ctbrain2.dcm", {"elements of the illegal group 0007 dropped (private dates inside them)", {}, true}},
        {"693_J2KI.dcm",
         {"the input's group lengths are wrong (3.5 KB file, 105 KB pixel group); the output's are true",
          {"(0008,0000)", "(0028,0000)", "(7fe0,0000)"}}},
    };
    // Text beyond ASCII in ISO_IR 100 is written as UTF-8 (ISO_IR 192):
    // these outputs must equal what DCMTK's own dcmconv +U8 makes of the input.
    const std::set<std::string> converted_to_utf8 = {"test-SR.dcm", "examples_overlay.dcm"};
    EXPECT_THAT(run.err, HasSubstr("examples_overlay.dcm: warning: values converted from ISO_IR 100 to UTF-8: "
                                   "SpecificCharacterSet is now ISO_IR 192"));
    EXPECT_THAT(run.err, HasSubstr("deid put: the same warning for 1 more file: values converted from ISO_IR 100"));
    std::filesystem::create_directories(work / "utf8");
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> pairs;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(options.output)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        auto input = kData / std::filesystem::relative(entry.path(), options.output);
        if (converted_to_utf8.contains(input.filename().string())) {
            const auto converted = work / "utf8" / input.filename();
            const std::string command = "dcmconv +U8 '" + input.string() + "' '" + converted.string() + "'";
            ASSERT_EQ(std::system(command.c_str()), 0) << command;
            input = converted;
        }
        pairs.emplace_back(input, entry.path());
    }
    const auto dumps = differing_dumps(pairs, work);
    std::size_t compared = 0;
    for (std::size_t n = 0; n < pairs.size(); ++n) {
        const auto& [input, output] = pairs[n];
        const auto& [input_dump, output_dump] = dumps[n];
        const auto name = output.filename().string();
        ++compared;
        if (!known.contains(name)) {
            EXPECT_TRUE(input_dump.empty() && output_dump.empty()) << input << " differs";
            continue;
        }
        const auto& difference = known.at(name);
        EXPECT_FALSE(input_dump.empty()) << input << " was expected to differ: " << difference.reason;
        EXPECT_EQ(without_known_changes(input_dump, difference),
                  without_known_changes(output_dump, KnownDifference{"", difference.changed}))
            << input << " differs in more than: " << difference.reason;
    }
    EXPECT_EQ(compared, 166u);
}

TEST(PutCommand, SameInputAndRecipeGiveByteIdenticalOutput) {
    const auto work = fresh_folder("determinism");
    PutOptions options;
    options.inputs = {kData / "deid-data" / "dicom-cookies"};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientName\nJITTER StudyDate 3\n"
                                          "REPLACE SOPInstanceUID deid_func:pydicom_uuid\n")};
    options.output = work / "first";
    ASSERT_EQ(put(options).status, 0);
    options.output = work / "second";
    ASSERT_EQ(put(options).status, 0);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(work / "first")) {
        const auto twin = work / "second" / entry.path().filename();
        EXPECT_EQ(testing::read_bytes(entry.path()), testing::read_bytes(twin)) << entry.path();
        ++files;
    }
    EXPECT_EQ(files, 7u);
}

TEST(PutCommand, NeverWritesIntoItsInputOrOverwrites) {
    const auto work = fresh_folder("safety");
    std::filesystem::copy_file(kData / "deid-data/humans/ctbrain1.dcm", work / "ctbrain1.dcm");
    PutOptions options;
    options.inputs = {work};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientName\n")};
    options.output = work / "out";
    const testing::CommandRun inside = put(options);
    EXPECT_EQ(inside.status, 2);
    EXPECT_THAT(inside.err, HasSubstr("is inside the input folder"));
    EXPECT_FALSE(std::filesystem::exists(work / "out"));

    options.inputs = {work / "ctbrain1.dcm"};
    ASSERT_EQ(put(options).status, 0);
    const testing::CommandRun again = put(options);
    EXPECT_EQ(again.status, 1);
    EXPECT_THAT(again.err, HasSubstr("exists (use --overwrite to replace it, or --resume to keep finished outputs)"));
    options.overwrite = true;
    EXPECT_EQ(put(options).status, 0);
}

TEST(PutCommand, RefusesARecipeWithLintErrors) {
    const auto work = fresh_folder("lint_gate");
    PutOptions options;
    options.inputs = {kData / "deid-data/humans/ctbrain1.dcm"};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nREMOVE PatientNme\n")};
    options.output = work / "out";
    const testing::CommandRun refused = put(options);
    EXPECT_EQ(refused.status, 2);
    EXPECT_THAT(refused.err, HasSubstr("unknown DICOM keyword 'PatientNme' (did you mean 'PatientName'?)"));
    EXPECT_FALSE(std::filesystem::exists(work / "out"));
}

TEST(PutCommand, VariablesAndExplain) {
    const auto work = fresh_folder("vars");
    std::ofstream(work / "vars.json") << R"({"new_id": "SUBJ-0042"})";
    const auto input = kData / "deid-data/humans/ctbrain1.dcm";
    PutOptions options;
    options.inputs = {input};
    options.recipes = {write_recipe(work, "FORMAT dicom\n%header\nADD PatientID var:new_id\nREPLACE PatientName var:missing\n")};
    options.output = work / "out";
    options.variables = work / "vars.json";
    options.explain = input;
    const testing::CommandRun run = put(options);
    EXPECT_EQ(run.status, 0);
    EXPECT_THAT(run.out, HasSubstr("(0010,0020) PatientID: '"));
    EXPECT_THAT(run.out, HasSubstr("' -> 'SUBJ-0042'  (" + (work / "recipe.deid").string() + ":3)"));
    EXPECT_THAT(run.err, HasSubstr("warning: (0010,0010): variable 'missing' is not given for this file; "
                                   "PatientName left unchanged (" + (work / "recipe.deid").string() + ":4)"));
}

}  // namespace
}  // namespace deid
