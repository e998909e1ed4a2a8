#include "runtime/lua/pattern_matcher.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace deid::lua_patterns {

namespace {

constexpr std::size_t kNoMatch = std::string_view::npos;
constexpr char kEscape = '%';
constexpr std::uint64_t kStepsPerReport = 4096;

// Thrown inside the matcher only, caught by search(): a malformed pattern
// is reported where matching reaches it, as Lua does.
struct PatternError {
    const char* text;
    int capture = -1;  // the capture index "%d" in `text` stands for, if any
};
struct Stopped {};

bool is_ascii_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

// The class letters are ASCII: no need to ask the locale (a call per
// character, the matcher's hottest path).
bool in_class(unsigned char c, unsigned char class_letter) {
    bool member = false;
    switch (is_ascii_upper(class_letter) ? class_letter + ('a' - 'A') : class_letter) {
        case 'a': member = std::isalpha(c) != 0; break;
        case 'c': member = std::iscntrl(c) != 0; break;
        case 'd': member = std::isdigit(c) != 0; break;
        case 'g': member = std::isgraph(c) != 0; break;
        case 'l': member = std::islower(c) != 0; break;
        case 'p': member = std::ispunct(c) != 0; break;
        case 's': member = std::isspace(c) != 0; break;
        case 'u': member = std::isupper(c) != 0; break;
        case 'w': member = std::isalnum(c) != 0; break;
        case 'x': member = std::isxdigit(c) != 0; break;
        case 'z': member = c == '\0'; break;  // not in the manual any more, but Lua 5.4 still has it
        default: return class_letter == c;  // %. %% %] ...: the character itself
    }
    return is_ascii_upper(class_letter) ? !member : member;  // %A is everything %a is not
}

// One attempt to match a pattern at a subject position. Positions are
// indexes into the subject (s) and the pattern (p); match() returns where
// the match ends, or kNoMatch. Straight runs of single characters loop;
// every point the matcher may come back to (a quantifier, a capture) is a
// recursive call, and their nesting is bounded.
class Matcher {
public:
    Matcher(std::string_view subject, std::string_view pattern, StepMeter& meter)
        : subject_(subject), pattern_(pattern), meter_(meter) {}

    void start_over() {
        capture_count_ = 0;
        depth_ = 0;
    }

    std::size_t match(std::size_t s, std::size_t p) {
        const DepthGuard guard(*this);
        while (p < pattern_.size()) {
            step();
            switch (pattern_[p]) {
                case '(':
                    if (p + 1 < pattern_.size() && pattern_[p + 1] == ')') {
                        return open_capture(s, p + 2, Capture::Kind::position);
                    }
                    return open_capture(s, p + 1, Capture::Kind::unfinished);
                case ')': return close_capture(s, p + 1);
                case '$':
                    if (p + 1 == pattern_.size()) {
                        return s == subject_.size() ? s : kNoMatch;
                    }
                    break;  // elsewhere an ordinary character
                case kEscape: {
                    const char next = p + 1 < pattern_.size() ? pattern_[p + 1] : '\0';
                    if (next == 'b') {
                        s = match_balance(s, p + 2);
                        if (s == kNoMatch) {
                            return kNoMatch;
                        }
                        p += 4;
                        continue;
                    }
                    if (next == 'f') {
                        p = match_frontier(s, p + 2);
                        if (p == kNoMatch) {
                            return kNoMatch;
                        }
                        continue;
                    }
                    if (std::isdigit(static_cast<unsigned char>(next)) != 0) {
                        s = match_back_reference(s, next);
                        if (s == kNoMatch) {
                            return kNoMatch;
                        }
                        p += 2;
                        continue;
                    }
                    break;  // a class such as %d, or an escaped character
                }
                default: break;
            }
            // A single-character class, perhaps followed by a quantifier.
            const std::size_t item_end = class_end(p);
            const bool one_matches = s < subject_.size() && single_matches(subject_[s], p, item_end);
            const char quantifier = item_end < pattern_.size() ? pattern_[item_end] : '\0';
            switch (quantifier) {
                case '?':
                    if (one_matches) {
                        const std::size_t end = match(s + 1, item_end + 1);
                        if (end != kNoMatch) {
                            return end;
                        }
                    }
                    p = item_end + 1;
                    continue;
                case '+': return one_matches ? longest_run(s + 1, p, item_end) : kNoMatch;
                case '*':
                    if (!one_matches) {
                        p = item_end + 1;
                        continue;
                    }
                    return longest_run(s, p, item_end);
                case '-':
                    if (!one_matches) {
                        p = item_end + 1;
                        continue;
                    }
                    return shortest_run(s, p, item_end);
                default:
                    if (!one_matches) {
                        return kNoMatch;
                    }
                    ++s;
                    p = item_end;
            }
        }
        return s;
    }

    // Reports the steps not yet reported.
    void finish() {
        if (unreported_ > 0) {
            report();
        }
    }

    [[nodiscard]] int capture_count() const { return capture_count_; }
    [[nodiscard]] const std::array<Capture, kMaxCaptures>& captures() const { return captures_; }

private:
    struct DepthGuard {
        Matcher& matcher;
        explicit DepthGuard(Matcher& m) : matcher(m) {
            if (++matcher.depth_ > kMaxDepth) {
                throw PatternError{"pattern too complex"};
            }
        }
        ~DepthGuard() { --matcher.depth_; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
    };

    void step(std::uint64_t steps = 1) {
        unreported_ += steps;
        if (unreported_ >= kStepsPerReport) {
            report();
        }
    }

    void report() {
        const std::uint64_t steps = unreported_;
        unreported_ = 0;
        if (!meter_.allow(steps)) {
            throw Stopped{};
        }
    }

    // One past the single-character class that starts at p: "x", "%x" or "[set]".
    std::size_t class_end(std::size_t p) const {
        const char first = pattern_[p++];
        if (first == kEscape) {
            if (p >= pattern_.size()) {
                throw PatternError{"malformed pattern (ends with '%')"};
            }
            return p + 1;
        }
        if (first == '[') {
            if (p < pattern_.size() && pattern_[p] == '^') {
                ++p;
            }
            // The first member is never the closing bracket: "[]]" is the set of ']'.
            do {
                if (p >= pattern_.size()) {
                    throw PatternError{"malformed pattern (missing ']')"};
                }
                if (pattern_[p++] == kEscape && p < pattern_.size()) {
                    ++p;  // an escaped member such as %]
                }
            } while (p >= pattern_.size() || pattern_[p] != ']');
            return p + 1;
        }
        return p;
    }

    bool single_matches(char subject_char, std::size_t p, std::size_t item_end) const {
        const auto c = static_cast<unsigned char>(subject_char);
        switch (pattern_[p]) {
            case '.': return true;
            case kEscape: return in_class(c, static_cast<unsigned char>(pattern_[p + 1]));
            case '[': return in_set(c, p, item_end - 1);
            default: return static_cast<unsigned char>(pattern_[p]) == c;
        }
    }

    // `open` at '[', `close` at its ']'.
    bool in_set(unsigned char c, std::size_t open, std::size_t close) const {
        std::size_t p = open + 1;
        bool complement = false;
        if (pattern_[p] == '^') {
            complement = true;
            ++p;
        }
        for (; p < close; ++p) {
            const auto member = static_cast<unsigned char>(pattern_[p]);
            if (member == kEscape) {
                ++p;
                if (in_class(c, static_cast<unsigned char>(pattern_[p]))) {
                    return !complement;
                }
            } else if (p + 2 < close && pattern_[p + 1] == '-') {
                const auto last = static_cast<unsigned char>(pattern_[p + 2]);
                if (member <= c && c <= last) {
                    return !complement;
                }
                p += 2;
            } else if (member == c) {
                return !complement;
            }
        }
        return complement;
    }

    // As many repetitions as possible of the class at p, then fewer until
    // the rest of the pattern (after its quantifier) matches.
    std::size_t longest_run(std::size_t s, std::size_t p, std::size_t item_end) {
        std::size_t count = 0;
        while (s + count < subject_.size() && single_matches(subject_[s + count], p, item_end)) {
            ++count;
            step();
        }
        for (std::size_t tried = 0; tried <= count; ++tried) {
            const std::size_t end = match(s + count - tried, item_end + 1);
            if (end != kNoMatch) {
                return end;
            }
        }
        return kNoMatch;
    }

    // As few repetitions as possible: one more only when the rest fails.
    std::size_t shortest_run(std::size_t s, std::size_t p, std::size_t item_end) {
        while (true) {
            const std::size_t end = match(s, item_end + 1);
            if (end != kNoMatch) {
                return end;
            }
            if (s < subject_.size() && single_matches(subject_[s], p, item_end)) {
                ++s;
            } else {
                return kNoMatch;
            }
        }
    }

    std::size_t open_capture(std::size_t s, std::size_t p, Capture::Kind kind) {
        if (capture_count_ >= kMaxCaptures) {
            throw PatternError{"too many captures"};
        }
        captures_[capture_count_] = Capture{s, 0, kind};
        ++capture_count_;
        const std::size_t end = match(s, p);
        if (end == kNoMatch) {
            --capture_count_;
        }
        return end;
    }

    std::size_t close_capture(std::size_t s, std::size_t p) {
        int open = capture_count_ - 1;
        while (open >= 0 && captures_[open].kind != Capture::Kind::unfinished) {
            --open;
        }
        if (open < 0) {
            throw PatternError{"invalid pattern capture"};
        }
        Capture& capture = captures_[open];
        capture.length = s - capture.start;
        capture.kind = Capture::Kind::text;
        const std::size_t end = match(s, p);
        if (end == kNoMatch) {
            capture.kind = Capture::Kind::unfinished;
        }
        return end;
    }

    // %bxy at p (the x): an x, then text up to the y that balances it.
    std::size_t match_balance(std::size_t s, std::size_t p) {
        if (p + 1 >= pattern_.size()) {
            throw PatternError{"malformed pattern (missing arguments to '%b')"};
        }
        const char open = pattern_[p];
        const char close = pattern_[p + 1];
        if (s >= subject_.size() || subject_[s] != open) {
            return kNoMatch;
        }
        std::size_t depth = 1;
        for (std::size_t i = s + 1; i < subject_.size(); ++i) {
            step();
            if (subject_[i] == close) {
                if (--depth == 0) {
                    return i + 1;
                }
            } else if (subject_[i] == open) {
                ++depth;
            }
        }
        return kNoMatch;
    }

    // %f[set] with p at '[': the position between a character outside the
    // set and one inside it (the subject's ends count as '\0'). Returns
    // where the pattern goes on, or kNoMatch.
    std::size_t match_frontier(std::size_t s, std::size_t p) const {
        if (p >= pattern_.size() || pattern_[p] != '[') {
            throw PatternError{"missing '[' after '%f' in pattern"};
        }
        const std::size_t set_end = class_end(p);
        const auto before = static_cast<unsigned char>(s == 0 ? '\0' : subject_[s - 1]);
        const auto after = static_cast<unsigned char>(s < subject_.size() ? subject_[s] : '\0');
        if (!in_set(before, p, set_end - 1) && in_set(after, p, set_end - 1)) {
            return set_end;
        }
        return kNoMatch;
    }

    // %1 ... %9: the text of that capture, again.
    std::size_t match_back_reference(std::size_t s, char digit) {
        const int index = digit - '1';
        if (index < 0 || index >= capture_count_ || captures_[index].kind == Capture::Kind::unfinished) {
            throw PatternError{"invalid capture index %%%d", index + 1};  // %0 too
        }
        const Capture& capture = captures_[index];
        if (capture.kind == Capture::Kind::position) {
            return kNoMatch;  // a position has no text to repeat
        }
        step(1 + capture.length / 16);
        if (subject_.size() - s >= capture.length &&
            subject_.compare(s, capture.length, subject_.substr(capture.start, capture.length)) == 0) {
            return s + capture.length;
        }
        return kNoMatch;
    }

    std::string_view subject_;
    std::string_view pattern_;
    StepMeter& meter_;
    std::uint64_t unreported_ = 0;
    int depth_ = 0;
    int capture_count_ = 0;
    std::array<Capture, kMaxCaptures> captures_;
};

void set_error(Outcome& outcome, const PatternError& error) {
    outcome.status = Status::malformed;
    if (error.capture >= 0) {
        std::snprintf(outcome.error.data(), outcome.error.size(), error.text, error.capture);
    } else {
        std::snprintf(outcome.error.data(), outcome.error.size(), "%s", error.text);
    }
}

}  // namespace

bool is_plain(std::string_view pattern) { return pattern.find_first_of("^$*+?.([%-") == std::string_view::npos; }

Outcome search(std::string_view subject, std::string_view pattern, std::size_t from, SearchRules rules,
               StepMeter& meter) {
    Outcome outcome;
    const bool anchored = rules.caret_anchors && !pattern.empty() && pattern.front() == '^';
    if (anchored) {
        pattern.remove_prefix(1);
    }
    Matcher matcher(subject, pattern, meter);
    try {
        for (std::size_t start = from;; ++start) {
            matcher.start_over();
            const std::size_t end = matcher.match(start, 0);
            const bool passed_over = rules.after_match && start == from && end == from;
            if (end != kNoMatch && !passed_over) {
                outcome.status = Status::matched;
                outcome.match.start = start;
                outcome.match.end = end;
                outcome.match.capture_count = matcher.capture_count();
                std::copy_n(matcher.captures().begin(), matcher.capture_count(), outcome.match.captures.begin());
                break;
            }
            if (anchored || start >= subject.size()) {
                break;
            }
        }
        matcher.finish();
    } catch (const PatternError& error) {
        set_error(outcome, error);
    } catch (const Stopped&) {
        outcome.status = Status::stopped;
    }
    return outcome;
}

Outcome search_plain(std::string_view subject, std::string_view needle, std::size_t from, StepMeter& meter) {
    Outcome outcome;
    std::uint64_t steps = 1;
    std::size_t found = kNoMatch;
    if (needle.empty()) {
        found = from;
    } else if (needle.size() <= subject.size() - from) {
        // Each candidate costs a comparison of up to the needle's length.
        const std::uint64_t candidate_cost = 1 + needle.size() / 16;
        const std::size_t last_start = subject.size() - needle.size();
        std::size_t at = from;
        while (at <= last_start) {
            const void* first = std::memchr(subject.data() + at, needle.front(), last_start - at + 1);
            if (first == nullptr) {
                steps += (last_start - at) / 64;
                break;
            }
            const auto candidate = static_cast<std::size_t>(static_cast<const char*>(first) - subject.data());
            steps += (candidate - at) / 64 + candidate_cost;
            if (steps >= kStepsPerReport) {
                if (!meter.allow(steps)) {
                    outcome.status = Status::stopped;
                    return outcome;
                }
                steps = 0;
            }
            if (std::memcmp(subject.data() + candidate, needle.data(), needle.size()) == 0) {
                found = candidate;
                break;
            }
            at = candidate + 1;
        }
    }
    if (!meter.allow(steps)) {
        outcome.status = Status::stopped;
        return outcome;
    }
    if (found != kNoMatch) {
        outcome.status = Status::matched;
        outcome.match.start = found;
        outcome.match.end = found + needle.size();
    }
    return outcome;
}

}  // namespace deid::lua_patterns
