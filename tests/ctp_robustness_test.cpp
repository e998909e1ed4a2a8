// The CTP front end on hostile input: deterministic mutations of the shipped
// CTP scripts (bytes flipped, cut, duplicated). Nothing may crash or hang;
// every diagnostic has a real position in the file (or none, for the whole
// file) and a message; a script that compiles without error also prints as a
// recipe that reads back the same.

#include <gtest/gtest.h>

#include <random>

#include "ctp/ast_compare.hpp"
#include "ctp/front_end.hpp"
#include "ctp/recipe_writer.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "stdlib/builtins.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

std::string mutated(const std::string& text, std::mt19937& random) {
    std::string out = text;
    std::uniform_int_distribution<std::size_t> at(0, out.empty() ? 0 : out.size() - 1);
    static constexpr std::string_view kNasty = "@(){}[]<>\"\\,*+!&;#%\n\t \x00\xff";
    std::uniform_int_distribution<std::size_t> pick(0, kNasty.size() - 1);
    switch (random() % 4) {
        case 0:
            for (int i = 0; i < 3 && !out.empty(); ++i) {
                out[at(random)] = kNasty[pick(random)];
            }
            break;
        case 1: out.resize(at(random)); break;
        case 2: {
            const std::size_t from = at(random);
            out.insert(at(random), out.substr(from, 40));
            break;
        }
        default: out.erase(at(random), 25); break;
    }
    return out;
}

TEST(CtpRobustness, MutatedScriptsNeverCrashAndAlwaysSayWhere) {
    const auto folder = testing::kSharedDir / "data" / "ctp";
    std::mt19937 random(15);
    for (const auto& name : {"example-ctp-dicom-anonymizer.script", "DicomPixelAnonymizer.script", "BurnedInPixelsFilter.script"}) {
        const std::string text = testing::read_bytes(folder / name);
        for (int round = 0; round < 150; ++round) {
            const std::string mutant = mutated(text, random);
            Diagnostics diagnostics;
            const ast::Recipe recipe = ctp::translate_script(mutant, "mutant.script", std::nullopt, standard_dictionary(), {}, diagnostics);
            const auto combined = ast::combine({recipe}, diagnostics);
            (void)resolve(combined, standard_dictionary(), {}, diagnostics);
            const auto lines = 1 + static_cast<std::uint32_t>(std::count(mutant.begin(), mutant.end(), '\n'));
            for (const auto& d : diagnostics.all()) {
                EXPECT_LE(d.span.line, lines) << name << " " << round << ": " << format_text(d);
                EXPECT_FALSE(d.message.empty());
            }
            if (diagnostics.has_errors()) {
                continue;
            }
            Diagnostics reread;
            const ast::Recipe parsed =
                grammar::parse_recipe("FORMAT dicom\n" + ctp::write_sections(recipe, mutant), "printed.deid", reread);
            const auto difference = ctp::difference(combined, ast::combine({parsed}, reread));
            EXPECT_EQ(difference, std::nullopt) << name << " " << round << ": " << difference.value_or("");
        }
    }
}

// Values a recipe line could misread: operators followed by a test word,
// '#', line breaks, blanks at the ends, '|'.
TEST(CtpRobustness, TrickyValuesReadBackTheSame) {
    const std::string text = "Tricky\n{ SeriesDescription.contains(\"x + contains y\") * ProtocolName.equals(\" a|b # c \") *\n"
                             "  StudyDescription.matches(\"a+ equals \tb\n\") * Manufacturer.startsWith(\"|| present \") }\n(1,2,3,4)\n";
    Diagnostics diagnostics;
    const ast::Recipe recipe = ctp::translate_script(text, "tricky.script", std::nullopt, standard_dictionary(), {}, diagnostics);
    ASSERT_FALSE(diagnostics.has_errors()) << format_text(diagnostics.all().front());
    const std::string printed = "FORMAT dicom\n" + ctp::write_sections(recipe, text);
    EXPECT_NE(printed.find("contains SeriesDescription x \\+(?:) contains y"), std::string::npos) << printed;
    Diagnostics reread;
    const ast::Recipe parsed = grammar::parse_recipe(printed, "printed.deid", reread);
    EXPECT_FALSE(reread.has_errors());
    const auto difference = ctp::difference(ast::combine({recipe}, diagnostics), ast::combine({parsed}, reread));
    EXPECT_EQ(difference, std::nullopt) << difference.value_or("") << "\n" << printed;
}

// ctp_script as hand-written recipes may use it: a script that does not
// parse, a function CTP has not, a name instead of a tag are lint errors.
TEST(CtpRobustness, HandWrittenCtpScriptsAreChecked) {
    const auto* script = stdlib::find_builtin("ctp_script");
    ASSERT_NE(script, nullptr);
    const auto* option = stdlib::find_option(*script, "script");
    ASSERT_NE(option, nullptr);
    ASSERT_NE(option->problem, nullptr);
    EXPECT_TRUE(option->required);
    auto check = [&](const std::string& text) { return option->problem(text).value_or("ok"); };
    EXPECT_EQ(check("@if(this,isblank){@remove()}{@hash(this,4)}"), "ok");
    EXPECT_EQ(check("@hash(this"),
              "a CTP script deid runs (the CTP script does not parse: missing ')' at the end of the arguments)");
    EXPECT_EQ(check("@lookup(this,ptid)").substr(0, 52), "a CTP script deid runs (@lookup is not supported: it");
    EXPECT_EQ(check("@hashh(this)"), "a CTP script deid runs (unknown CTP function @hashh)");
    EXPECT_EQ(check("@hash(PatientID,4)"),
              "a CTP script deid runs (the element 'PatientID' of @hash must be written as a tag [gggg,eeee] (or "
              "'this') inside deid_func:ctp_script)");
    EXPECT_EQ(check("100%"), "text whose '%' is followed by two hexadecimal digits (write %25 for '%')");
}

}  // namespace
}  // namespace deid
