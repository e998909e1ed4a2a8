#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

// Lua 5.4 patterns (reference manual §6.4.1) for the sandbox's string.find,
// match, gmatch and gsub. Lua's own matcher runs in C, where the instruction
// hook never fires: `string.rep("a", 5000):gsub("a*a*a*a*a*b", "")`
// backtracks for hours. This one reports its steps to a meter, which can
// stop it. Every type here is trivially destructible: the Lua bindings may
// leave a C function by longjmp at any Lua API call.
namespace deid::lua_patterns {

inline constexpr int kMaxCaptures = 32;  // as many as Lua's string library allows
inline constexpr int kMaxDepth = 200;    // nested backtracking points before "pattern too complex"

// Plain data, left uninitialized where made: gsub makes one per match.
struct Capture {
    enum class Kind : unsigned char { text, position, unfinished };
    std::size_t start;  // 0-based
    std::size_t length;
    Kind kind;
};

// Where the pattern matched ([start, end) of the subject) and its captures
// (only the first capture_count are set).
struct Match {
    std::size_t start = 0;
    std::size_t end = 0;
    int capture_count = 0;
    std::array<Capture, kMaxCaptures> captures;
};

// Lets matching go on. Called every few thousand steps (and once at the
// end) with the steps taken since the last call; false stops the matcher.
class StepMeter {
public:
    virtual bool allow(std::uint64_t steps) = 0;

protected:
    ~StepMeter() = default;
};

enum class Status { matched, no_match, malformed, stopped };

struct Outcome {
    Status status = Status::no_match;
    Match match;
    std::array<char, 80> error;  // when malformed, in Lua's words: "malformed pattern (missing ']')"
};

struct SearchRules {
    bool caret_anchors = true;  // a leading '^' anchors the match at `from` (gmatch: an ordinary character)
    bool after_match = false;   // `from` is where the last match ended: an empty match there does not count
};

// The first match of `pattern` starting at `from` or later (up to and
// including the end of the subject). `from` must not exceed the subject.
Outcome search(std::string_view subject, std::string_view pattern, std::size_t from, SearchRules rules,
               StepMeter& meter);

// string.find with `plain`: `needle` as it is, no pattern.
Outcome search_plain(std::string_view subject, std::string_view needle, std::size_t from, StepMeter& meter);

// True when `pattern` has none of the characters that make it a pattern,
// so a plain search finds the same.
bool is_plain(std::string_view pattern);

}  // namespace deid::lua_patterns
