// The PEGTL grammars of RSNA CTP's script languages: element scripts,
// DicomFilter conditions, pixel anonymizer signatures.

#include <gtest/gtest.h>

#include <tao/pegtl/contrib/analyze.hpp>

#include "grammar/ctp/condition.hpp"
#include "grammar/ctp/condition_errors.hpp"
#include "grammar/ctp/pixel_script.hpp"
#include "grammar/ctp/script.hpp"
#include "grammar/ctp/script_errors.hpp"

namespace deid::ctp {
namespace {

TEST(CtpGrammar, HasNoRuleThatCanLoopWithoutConsumingInput) {
    EXPECT_EQ(tao::pegtl::analyze<script_rules::script>(), 0U);
    EXPECT_EQ(tao::pegtl::analyze<condition_rules::condition>(), 0U);
}

const Call& only_call(const Script& script) {
    EXPECT_EQ(script.pieces.size(), 1U);
    return std::get<Call>(script.pieces.front());
}

TEST(CtpGrammar, ReadsCallsArgumentsAndText) {
    const auto parsed = parse_script("@hashuid(@UIDROOT,this)");
    ASSERT_TRUE(parsed.errors.empty());
    const Call& call = only_call(parsed.script);
    EXPECT_EQ(call.name, "hashuid");
    ASSERT_EQ(call.arguments.size(), 2U);
    EXPECT_EQ(call.arguments[0].text, "@UIDROOT");
    EXPECT_EQ(call.arguments[1].text, "this");
    EXPECT_EQ(call.arguments[1].range.begin, 18U);
    EXPECT_EQ(call.name_range.begin, 1U);

    const auto mixed = parse_script("@always()YES");
    ASSERT_EQ(mixed.script.pieces.size(), 2U);
    EXPECT_EQ(std::get<Text>(mixed.script.pieces[1]).text, "YES");
}

TEST(CtpGrammar, ArgumentsFollowCtpsReader) {
    // Escapes are dropped, quotes kept, blanks around arguments trimmed,
    // commas inside quotes, brackets and parentheses do not split.
    const auto parsed = parse_script(R"(@contents( this , "a,b" ,[00\,10],f(x,y), \) ))");
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().message;
    const Call& call = only_call(parsed.script);
    ASSERT_EQ(call.arguments.size(), 5U);
    EXPECT_EQ(call.arguments[0].text, "this");
    EXPECT_EQ(call.arguments[1].text, "\"a,b\"");
    EXPECT_EQ(call.arguments[2].text, "[00,10]");
    EXPECT_EQ(call.arguments[3].text, "f(x,y)");
    EXPECT_EQ(call.arguments[4].text, ")");
    // An empty last argument is no argument: @f() has none, @f(a,) one.
    EXPECT_TRUE(only_call(parse_script("@keep( )").script).arguments.empty());
    EXPECT_EQ(only_call(parse_script("@f(a,)").script).arguments.size(), 1U);
    EXPECT_EQ(only_call(parse_script("@f(,a)").script).arguments.size(), 2U);
}

TEST(CtpGrammar, ReadsClausesOfIfSelectAndAppend) {
    const auto parsed = parse_script("@if(PatientName,isblank){@remove()}{@hash(this,{4})} tail");
    ASSERT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.script.pieces.size(), 2U);
    const Call& call = std::get<Call>(parsed.script.pieces[0]);
    ASSERT_EQ(call.clauses.size(), 2U);
    EXPECT_EQ(std::get<Call>(call.clauses[0].pieces[0]).name, "remove");
    EXPECT_EQ(std::get<Call>(call.clauses[1].pieces[0]).arguments[1].text, "{4}");
    const auto append = parse_script("@append(){text {nested} braces}");
    ASSERT_TRUE(append.errors.empty());
    const Call& appended = only_call(append.script);
    EXPECT_EQ(std::get<Text>(appended.clauses[0].pieces[0]).text, "text {nested} braces");
    // An escaped '@' is text.
    EXPECT_EQ(std::get<Text>(parse_script("a\\@b").script.pieces[0]).text, "a@b");
}

TEST(CtpGrammar, ReportsWhereAScriptBreaks) {
    auto error_of = [](std::string_view text) {
        const auto parsed = parse_script(text);
        return parsed.errors.empty() ? std::string("none")
                                     : std::to_string(parsed.errors.front().range.begin) + ": " + parsed.errors.front().message;
    };
    EXPECT_EQ(error_of("user@ example"), "5: expected a function call after '@', e.g. @hash(this,10) (a literal '@' is written \\@)");
    EXPECT_EQ(error_of("@hash this"), "6: expected '(' after the function name");
    EXPECT_EQ(error_of("@hash(this"), "10: missing ')' at the end of the arguments");
    EXPECT_EQ(error_of("@hash(\"this)"), "12: unterminated string: missing closing '\"'");
    EXPECT_EQ(error_of("@if(this,isblank){x}"), "20: expected a second clause in braces: @if and @select take {when true}{when false}");
    EXPECT_EQ(error_of("@append()"), "9: expected a clause in braces after the arguments, e.g. @if(this,isblank){@remove()}{@keep()}");
    EXPECT_EQ(error_of("@append(){x"), "11: missing '}' at the end of the clause");
    EXPECT_EQ(error_of(std::string(100, '(')), "64: brackets, parentheses or braces nested more than 64 deep");
}

TEST(CtpGrammar, ConditionsHaveCtpsPrecedence) {
    // '!' binds tightest, then '*', then '+'.
    const auto parsed = parse_condition(R"(!A.equals("1") * B.contains("2") + C.startsWith("3") // comment
    )");
    ASSERT_TRUE(parsed.errors.empty());
    const Condition& top = *parsed.condition;
    ASSERT_EQ(top.kind, Condition::Kind::any_of);
    ASSERT_EQ(top.operands.size(), 2U);
    EXPECT_EQ(top.operands[0].kind, Condition::Kind::all_of);
    EXPECT_EQ(top.operands[0].operands[0].kind, Condition::Kind::negation);
    EXPECT_EQ(top.operands[1].comparison.method, "startsWith");
    const auto grouped = parse_condition(R"(!([0008,0008].contains("SAVE") + true))");
    ASSERT_TRUE(grouped.errors.empty());
    EXPECT_EQ(grouped.condition->kind, Condition::Kind::negation);
    EXPECT_EQ(grouped.condition->operands[0].operands[0].comparison.element, "[0008,0008]");
    EXPECT_EQ(grouped.condition->operands[0].operands[1].kind, Condition::Kind::constant);
}

TEST(CtpGrammar, ReportsWhereAConditionBreaks) {
    auto error_of = [](std::string_view text) {
        const auto parsed = parse_condition(text);
        return parsed.errors.empty() ? std::string("none")
                                     : std::to_string(parsed.errors.front().range.begin) + ": " + parsed.errors.front().message;
    };
    EXPECT_EQ(error_of("Modality"), "8: expected .method(\"value\") after the element, e.g. Modality.equals(\"CT\")");
    EXPECT_EQ(error_of("A.equals(\"1\") *"), "15: expected a condition: Element.method(\"value\"), true, false, '!' or '('");
    EXPECT_EQ(error_of("(A.equals(\"1\")"), "14: missing ')'");
    EXPECT_EQ(error_of("A.equals(\"1\") B"), "14: unexpected text: expected '*' (and), '+' (or) or the end of the condition");
}

TEST(CtpGrammar, PixelScriptsHaveSignaturesAndRegions) {
    const auto script = read_pixel_script(
        "Library (not a region)\n GE\n  CT Dose\n  { Modality.equals(\"CT\") }\n  (0,0,512,200) (1, 2, 3, 4)\n"
        "  { Rows.equals(\"1\") }\n  (a,b,c,d)\n");
    ASSERT_TRUE(script.errors.empty());
    ASSERT_EQ(script.signatures.size(), 2U);
    EXPECT_EQ(script.signatures[0].name, "CT Dose");
    EXPECT_EQ(script.signatures[0].condition_text, " Modality.equals(\"CT\") ");
    ASSERT_EQ(script.signatures[0].regions.size(), 2U);
    EXPECT_EQ(script.signatures[0].regions[1].height, 4);
    EXPECT_EQ(script.signatures[1].name, "CT Dose");  // no heading of its own
    EXPECT_TRUE(script.signatures[1].regions.empty());
    ASSERT_EQ(script.warnings.size(), 1U);
    EXPECT_EQ(script.warnings[0].message, "'(a,b,c,d)' is no region x,y,width,height: skipped, as CTP skips it");
    EXPECT_EQ(read_pixel_script("{ A.equals(\"1\")").errors.front().message, "missing '}' at the end of the signature");
}

}  // namespace
}  // namespace deid::ctp
