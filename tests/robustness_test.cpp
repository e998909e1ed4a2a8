// The parser and resolver on hostile input: the reference corpus, thousands
// of deterministic mutations of it, and hand-made broken recipes. Nothing may
// crash or hang (ctest's timeout bounds the run); broken input always gets a
// diagnostic with a real position. The same pipeline runs in the libFuzzer
// target, fuzz/recipe_fuzzer.cpp (fuzz/run.sh).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "interpreter/ast/combine.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

struct Outcome {
    Diagnostics diagnostics;
    std::size_t lines = 0;
};

Outcome run_pipeline(std::string_view text) {
    Outcome outcome;
    const auto recipe = grammar::parse_recipe(text, "mutant.deid", outcome.diagnostics);
    const auto combined = ast::combine({recipe}, outcome.diagnostics);
    (void)resolve(combined, standard_dictionary(), {}, outcome.diagnostics);
    // Lines as the parser counts them: '\n', '\r\n' and a lone '\r' each end one.
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool lone_cr = text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n');
        outcome.lines += (text[i] == '\n' || lone_cr) ? 1 : 0;
    }
    outcome.lines += 2;
    return outcome;
}

void expect_positions_within(const Outcome& outcome, std::string_view what) {
    for (const auto& d : outcome.diagnostics.all()) {
        EXPECT_GE(d.span.line, 1u) << what << ": " << format_text(d);
        EXPECT_LE(d.span.line, outcome.lines) << what << ": " << format_text(d);
        EXPECT_GE(d.span.column, 1u) << what << ": " << format_text(d);
        EXPECT_FALSE(d.message.empty()) << what;
    }
}

std::vector<std::string> corpus() {
    std::vector<std::string> texts;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::kSharedDir / "recipes-reference")) {
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with("LICENSE")) {
            texts.push_back(testing::read_bytes(entry.path()));
        }
    }
    return texts;
}

std::string mutate(std::string text, std::mt19937& random) {
    static constexpr std::string_view kInteresting = "%#\"(),:+|=\n\r\t \\0x";
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < edits && !text.empty(); ++i) {
        const std::size_t at = random() % text.size();
        switch (random() % 5) {
            case 0: text[at] = static_cast<char>(random() % 256); break;
            case 1: text.insert(at, 1, kInteresting[random() % kInteresting.size()]); break;
            case 2: text.erase(at, 1 + random() % 16); break;
            case 3: text.resize(at); break;
            default: text.insert(at, text.substr(random() % text.size(), random() % 64)); break;
        }
    }
    return text;
}

TEST(Robustness, ThousandsOfMutatedRecipesNeverCrash) {
    const auto texts = corpus();
    ASSERT_EQ(texts.size(), 32u);
    std::mt19937 random(20261125);  // fixed seed: the same mutants every run
    std::size_t with_errors = 0;
    for (int round = 0; round < 3000; ++round) {
        const std::string mutant = mutate(texts[static_cast<std::size_t>(round) % texts.size()], random);
        const Outcome outcome = run_pipeline(mutant);
        expect_positions_within(outcome, "mutant " + std::to_string(round));
        with_errors += outcome.diagnostics.has_errors() ? 1 : 0;
    }
    // Most mutants break something; the parser must notice.
    EXPECT_GT(with_errors, 1500u);
}

TEST(Robustness, BrokenRecipesAlwaysGetAnError) {
    const std::vector<std::string> broken = {
        std::string("FORMAT dicom\n%header\nREMOVE (0019,\"SIEMENS", 36),
        std::string("FORMAT dicom\n%header\nREMOVE Patient\0Name\n", 36),
        "\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "FORMAT dicom\n%header\nREMOVE " + std::string(100000, 'A') + "\n",
        "FORMAT dicom\n%filter x\nLABEL y\n  contains Modality CT" + std::string(5000, '+') + "\n",
        "FORMAT dicom\n%filter x\nLABEL y\n" + std::string(2000, '|') + "\n",
        "FORMAT dicom\n%filter x\nLABEL y\n  coordinates 99999999999999999999999,0,1,1\n",
        "FORMAT dicom\n%values v\nSPLIT PatientName by=\"^\";;;minlength=\n",
        "FORMAT dicom\n%header\nREMOVE contains:((((((((((((((((((((\n",
        "FORMAT dicom\n" + std::string(10000, '%') + "\n",
        "FORMAT dicom\r%header\rREMOV PatientName\r",
    };
    for (const auto& text : broken) {
        const Outcome outcome = run_pipeline(text);
        EXPECT_TRUE(outcome.diagnostics.has_errors()) << "no error for: " << text.substr(text.size() > 80 ? text.size() - 80 : 0);
        expect_positions_within(outcome, text.substr(0, 40));
    }
}

// Random graphs of %fields and %values groups naming each other (cycles,
// self references, names of missing groups), resolved and then evaluated on
// a real file: every cycle is an error, and nothing recurses without end.
TEST(Robustness, RandomGroupGraphsResolveAndEvaluate) {
    std::mt19937 random(20261202);
    const std::vector<std::string> names = {"a", "b", "c", "d"};
    DcmFileFormat sample;
    ASSERT_TRUE(sample.loadFile((testing::kSharedDir / "data/dicom/deid-data/humans/ctbrain1.dcm").c_str()).good());
    std::size_t with_cycles = 0;
    for (int round = 0; round < 300; ++round) {
        std::string text = "FORMAT dicom\n";
        for (const auto& name : names) {
            const bool fields = random() % 2 == 0;
            text += (fields ? "%fields " : "%values ") + name + "\nFIELD PatientName\n";
            for (unsigned r = random() % 3; r > 0; --r) {
                text += std::string("FIELD ") + (random() % 2 == 0 ? "fields:" : "values:") + names[random() % 4] + "\n";
            }
        }
        text += "%header\nREMOVE fields:" + names[random() % 4] + "\nBLANK values:" + names[random() % 4] + "\n";
        const Outcome outcome = run_pipeline(text);
        expect_positions_within(outcome, text);
        for (const auto& d : outcome.diagnostics.all()) {
            with_cycles += d.code == "group-cycle" ? 1 : 0;
        }
        Diagnostics diagnostics;
        const auto combined = ast::combine({grammar::parse_recipe(text, "graph.deid", diagnostics)}, diagnostics);
        const auto plan = resolve(combined, standard_dictionary(), {}, diagnostics);
        DcmFileFormat copy(sample);
        DcmtkDataset dataset(copy);
        (void)evaluate(plan, dataset, {}, {});
    }
    EXPECT_GT(with_cycles, 50u);
}

TEST(Robustness, ReferenceCorpusResolvesWithoutCrashing) {
    for (const auto& text : corpus()) {
        const Outcome outcome = run_pipeline(text);
        expect_positions_within(outcome, text.substr(0, 40));
    }
}

}  // namespace
}  // namespace deid
