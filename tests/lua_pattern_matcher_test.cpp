// The sandbox's string.find, match, gmatch and gsub (runtime/lua/
// pattern_matcher.cpp) against Lua's own, on hand-picked and on generated
// patterns: the same results, the same errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "runtime/lua/pattern_matcher.hpp"
#include "tests/lua_side_by_side.hpp"

namespace deid {
namespace {

using testing::LuaSideBySide;

const char* const kProbes = R"lua(
function find(s, p, init, plain) return string.find(s, p, init, plain == 1) end
function match(s, p, init) return string.match(s, p, init) end
function gmatch(s, p, init)
  local found = {}
  local next_match = string.gmatch(s, p, init)
  while #found < 50 do
    local captures = table.pack(next_match())
    if captures[1] == nil then break end
    found[#found + 1] = captures
  end
  return found
end
function gsub(s, p, r, n) return string.gsub(s, p, r, n) end
function gsub_function(s, p)
  return s:gsub(p, function(first, second)
    if first == "b" then return nil end
    if first == "a" then return false end
    if first == "1" then return 7 end
    return "<" .. tostring(first) .. "|" .. tostring(second) .. ">"
  end)
end
function gsub_table(s, p) return s:gsub(p, {a = "A", b = false, ["1"] = 11, ab = "[ab]"}) end
function gsub_bad_value(s, p) return s:gsub(p, function() return {} end) end
function gsub_without_replacement(s, p) return string.gsub(s, p) end
)lua";

// Runs every string function on (subject, pattern) in both states and
// records any difference.
class Comparison {
public:
    Comparison() : lua_(kProbes) {}

    void all_functions(const std::string& subject, const std::string& pattern) {
        same("find", {subject, pattern});
        same("match", {subject, pattern});
        same("gmatch", {subject, pattern});
        same("gsub", {subject, pattern, "<%0>"});
        same("gsub", {subject, pattern, "%1"});
        same("gsub_function", {subject, pattern});
        same("gsub_table", {subject, pattern});
    }

    void same(const char* function, const std::vector<std::string>& strings,
              const std::vector<lua_Integer>& integers = {}) {
        ++compared_;
        const auto results = lua_.call(function, strings, integers);
        if (results.real != results.ours && differences_.size() < 25) {
            std::string call = function;
            for (const auto& text : strings) {
                call += " \"" + text + "\"";
            }
            for (const auto number : integers) {
                call += " " + std::to_string(number);
            }
            differences_.push_back(call + "\n    Lua:     " + results.real + "\n    sandbox: " + results.ours);
        }
    }

    void expect_no_difference(std::size_t at_least) const {
        EXPECT_GE(compared_, at_least);
        for (const auto& difference : differences_) {
            ADD_FAILURE() << difference;
        }
    }

private:
    LuaSideBySide lua_;
    std::size_t compared_ = 0;
    std::vector<std::string> differences_;
};

TEST(LuaPatterns, HandPickedPatternsMatchLuasOwn) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"hello world", "o w"},          {"hello world", "(o)(r)"},       {"hello world", "l+"},
        {"hello world", "l*"},           {"hello world", "l-o"},          {"hello world", "x?h"},
        {"hello", "^h"},                 {"hello", "^e"},                 {"hello", "o$"},
        {"hello", "l$"},                 {"a$b", "a$b"},                  {"a^b", "a^b"},
        {"  key = value  ", "^%s*(%w+)%s*=%s*(%w+)%s*$"},               {"2024-01-31", "(%d+)-(%d+)-(%d+)"},
        {"THE (quick) fox", "%f[%a]%a+"}, {"THE (quick) fox", "%f[%A]"}, {"THE (quick) fox", "%b()"},
        {"f(a(b)c)d)", "%b()"},          {"[[x]]", "%b[]"},               {"aaa", "%baa"},
        {"abcabc", "(abc)%1"},           {"abab", "(a)(b)%1%2"},          {"xyz", "()y()"},
        {"hello", "()"},                 {"", ""},                        {"", "a*"},
        {"abc", ""},                     {"abc", ".-"},                   {"abc", ".-$"},
        {"a.b", "%."},                   {"a%b", "%%"},                   {"a]b", "[]]"},
        {"a]b^", "[^]a]"},               {"a-b", "[a-]"},                 {"a-b", "[-a]"},
        {"abc123", "[%a-9]+"},           {"ABCdef", "[A-Z]+"},            {"tab\there", "%c"},
        {"x_y9", "[%w_]+"},              {"hex 0xFF", "%x+"},             {"a b\tc\nd", "%S+"},
        {"punct!?", "%p+"},              {"MiXeD", "%u%l"},               {"no digits", "%D+"},
        {"one two three", "(%a+) (%a+)"}, {"key=val; k2=v2", "(%w+)=(%w+)"}, {"aaa", "a-b"},
        {"aaab", "a-b"},                 {"aaab", "^(a*)(.-)$"},          {"\xff\xfe\x80", "[\x80-\xff]+"},
        {std::string("a\0b", 3), "%z"},  {std::string("a\0b", 3), std::string("\0", 1)},
        {std::string("a\0b\0", 4), std::string("[\0]", 3)},              {"ababab", "(ab)-$"},
        {"word1 word2", "%f[%w]%w+"},    {"caf\xc3\xa9", "[\xc0-\xff][\x80-\xbf]*"}, {"((()))", "%b()"},
        {"x", "x?x?x?xxx"},              {"aaaaaaaaaa", "a?a?a?a?a?aaaaa"}, {"mississippi", "(ss)i%1"},
        {"mississippi", "i(s*)i"},       {"(foo)", "%((%a+)%)"},          {"end.", "[.]$"},
    };
    Comparison comparison;
    for (const auto& [subject, pattern] : cases) {
        comparison.all_functions(subject, pattern);
    }
    comparison.expect_no_difference(cases.size() * 7);
}

TEST(LuaPatterns, MalformedPatternsFailAsLuasOwn) {
    // Some are malformed only where matching reaches them, as in Lua.
    const std::vector<std::string> patterns = {
        "%",      "a%",    "[a",     "[",    "[]",      "[^]",    "[%",    "[a-",  "(",      ")",
        "a)",     "(()",   "%b",     "%ba",  "%f",      "%fa",    "%f[a",  "%1",   "(a)%2",  "%0",
        "(a%1)",  "x%",    "z[",     "(a",   "(a)(b",   "%f[%w",  "[%a",   "a[]",  "()%1",   "(()%1)"};
    Comparison comparison;
    for (const auto& pattern : patterns) {
        for (const std::string subject : {"", "abc", "a)b(c"}) {
            comparison.all_functions(subject, pattern);
        }
    }
    std::string many_captures;
    for (int i = 0; i < 33; ++i) {
        many_captures += "(a)";
    }
    comparison.all_functions(std::string(40, 'a'), many_captures);
    comparison.all_functions(std::string(40, 'a'), many_captures.substr(3));
    comparison.expect_no_difference(patterns.size() * 3 * 7);
}

TEST(LuaPatterns, DeepPatternsAreTooComplexAsInLuasOwn) {
    Comparison comparison;
    for (const int depth : {50, 190, 199, 200, 201, 250, 400}) {
        std::string optional;
        std::string captures;
        for (int i = 0; i < depth; ++i) {
            optional += "a?";
        }
        for (int i = 0; i < std::min(depth, 31); ++i) {
            captures += "(a)";
        }
        comparison.same("match", {std::string(static_cast<std::size_t>(depth), 'a'), optional});
        comparison.same("find", {std::string(static_cast<std::size_t>(depth), 'a'), "a" + optional + "$"});
        comparison.same("gsub", {std::string(static_cast<std::size_t>(depth), 'a'), captures + "a*", "%1"});
    }
    comparison.expect_no_difference(21);
}

TEST(LuaPatterns, StartPositionsMatchLuasOwn) {
    Comparison comparison;
    const std::vector<lua_Integer> starts = {-100, -7, -3, -1, 0, 1, 2, 5, 6, 7, 8, 100, lua_Integer{1} << 40,
                                             LUA_MININTEGER, LUA_MAXINTEGER};
    for (const std::string pattern : {"", "a", "^a", "a*", "(b)()", "$", "ab", "%f[%a]"}) {
        for (const lua_Integer start : starts) {
            comparison.same("find", {"abcab!", pattern}, {start});
            comparison.same("match", {"abcab!", pattern}, {start});
            comparison.same("gmatch", {"abcab!", pattern}, {start});
        }
    }
    comparison.expect_no_difference(8 * starts.size() * 3);
}

TEST(LuaPatterns, PlainFindMatchesLuasOwn) {
    Comparison comparison;
    const std::string subject = "a.b*c(d)[e]%f^g$h..";
    for (const std::string& needle : std::vector<std::string>{"", ".", "*c(", "[e]%", "^g$", "..", "h...", "x", subject, subject + "x"}) {
        for (const lua_Integer start : {1, 2, -2, 0, 19, 20, 21}) {
            comparison.same("find", {subject, needle}, {start, 1});
        }
    }
    comparison.expect_no_difference(70);
}

TEST(LuaPatterns, GsubReplacementsMatchLuasOwn) {
    Comparison comparison;
    const std::vector<std::string> subjects = {"hello world", "abc", "", "a1b2"};
    const std::vector<std::string> patterns = {"o", "(l)(l)", "%w+", "", "()", "(%a)(%d)", "x*", "^a", "^"};
    const std::vector<std::string> replacements = {"[%0]", "%1-%2", "%%", "%2", "%9", "100%", "%x", "", "%1%1", "%0%0"};
    for (const auto& subject : subjects) {
        for (const auto& pattern : patterns) {
            for (const auto& replacement : replacements) {
                comparison.same("gsub", {subject, pattern, replacement});
            }
            for (const lua_Integer most : {0, 1, 2, -1}) {
                comparison.same("gsub", {subject, pattern, "<%0>"}, {most});
            }
            comparison.same("gsub_function", {subject, pattern});
            comparison.same("gsub_table", {subject, pattern});
            comparison.same("gsub_bad_value", {subject, pattern});
            comparison.same("gsub_without_replacement", {subject, pattern});
        }
    }
    comparison.expect_no_difference(subjects.size() * patterns.size() * 18);
}

// Patterns made of random items (classes, sets, quantifiers, anchors,
// captures, %b, %f, back-references) on random subjects; a fixed seed.
TEST(LuaPatterns, GeneratedPatternsMatchLuasOwn) {
    const std::vector<std::string> items = {
        "a",    "b",     "1",     ".",      "%a",    "%d",    "%s",     "%w",   "%p",   "%l",    "%u",  "%x",
        "%c",   "%g",    "%A",    "%S",     "%W",    "%D",    "[ab]",   "[^a]", "[a-c]", "[%d_]", "[]]", "[^]a]",
        "[%a-]", "%.",   "%%",    "-",      " ",     "(",     ")",      "()",   "(%a+)", "%b()",  "%f[%w]", "%f[%W]",
        "%1",   "%2",    "$",     "^",      "%(",    "[(]"};
    const std::vector<std::string> quantifiers = {"", "", "", "*", "+", "-", "?"};
    const std::string alphabet = "aAb1 _-().%\n]";
    std::mt19937 random(20240607);
    auto pick = [&random](std::size_t count) { return std::uniform_int_distribution<std::size_t>(0, count - 1)(random); };
    Comparison comparison;
    constexpr int kCases = 3000;
    for (int i = 0; i < kCases; ++i) {
        std::string pattern = pick(5) == 0 ? "^" : "";
        const std::size_t length = 1 + pick(5);
        for (std::size_t item = 0; item < length; ++item) {
            pattern += items[pick(items.size())] + quantifiers[pick(quantifiers.size())];
        }
        if (pick(6) == 0) {
            pattern += "$";
        }
        std::string subject;
        const std::size_t subject_length = pick(14);
        for (std::size_t c = 0; c < subject_length; ++c) {
            subject += alphabet[pick(alphabet.size())];
        }
        comparison.all_functions(subject, pattern);
    }
    comparison.expect_no_difference(kCases * 7);
}

// ------------------------------------------------ the matcher on its own --

class CountingMeter final : public lua_patterns::StepMeter {
public:
    explicit CountingMeter(std::uint64_t allowed) : allowed_(allowed) {}
    bool allow(std::uint64_t steps) override {
        taken += steps;
        return taken <= allowed_;
    }
    std::uint64_t taken = 0;

private:
    std::uint64_t allowed_;
};

TEST(LuaPatterns, TheMeterStopsABacktrackingBomb) {
    const std::string subject(5000, 'a');
    CountingMeter meter(1'000'000);
    const auto outcome = lua_patterns::search(subject, "a*a*a*a*a*b", 0, {}, meter);
    EXPECT_EQ(outcome.status, lua_patterns::Status::stopped);
    EXPECT_GT(meter.taken, 1'000'000U);
    EXPECT_LT(meter.taken, 1'000'000U + 10'000U);  // it stops within one report of the limit

    CountingMeter plenty(1'000'000'000);
    const auto found = lua_patterns::search("xx(ab)yy", "%((%a+)%)", 0, {}, plenty);
    ASSERT_EQ(found.status, lua_patterns::Status::matched);
    EXPECT_EQ(found.match.start, 2U);
    EXPECT_EQ(found.match.end, 6U);
    ASSERT_EQ(found.match.capture_count, 1);
    EXPECT_EQ(found.match.captures[0].start, 3U);
    EXPECT_EQ(found.match.captures[0].length, 2U);
    EXPECT_GT(plenty.taken, 0U);  // even a quick match reports its steps
}

TEST(LuaPatterns, PlainSearchCountsItsComparisons) {
    const std::string subject(1 << 20, 'a');
    const std::string needle = std::string(1 << 12, 'a') + "b";
    CountingMeter meter(100'000);
    EXPECT_EQ(lua_patterns::search_plain(subject, needle, 0, meter).status, lua_patterns::Status::stopped);
}

}  // namespace
}  // namespace deid
