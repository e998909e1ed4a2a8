#include "ctp/conditions.hpp"

#include <algorithm>

#include <re2/re2.h>

#include "ctp/translation_support.hpp"
#include "support/strings.hpp"

namespace deid::ctp {
namespace {

// Beyond this many conjunctions a condition is refused rather than written
// out (a negated disjunction of conjunctions multiplies them).
constexpr std::size_t kMostConjunctions = 256;

struct Literal {
    const Comparison* comparison = nullptr;
    bool negated = false;
};
using Conjunction = std::vector<Literal>;
// Disjunctive normal form: no conjunction is false; one empty conjunction is true.
using Normal = std::vector<Conjunction>;

std::optional<Normal> normal_form(const Condition& condition, bool negate) {
    switch (condition.kind) {
        case Condition::Kind::constant:
            return condition.constant != negate ? Normal{Conjunction{}} : Normal{};
        case Condition::Kind::comparison: return Normal{Conjunction{Literal{&condition.comparison, negate}}};
        case Condition::Kind::negation: return normal_form(condition.operands.front(), !negate);
        case Condition::Kind::all_of:
        case Condition::Kind::any_of: break;
    }
    const bool conjunction = (condition.kind == Condition::Kind::all_of) != negate;
    if (!conjunction) {
        Normal all;
        for (const auto& operand : condition.operands) {
            auto part = normal_form(operand, negate);
            if (!part) {
                return std::nullopt;
            }
            all.insert(all.end(), part->begin(), part->end());
            if (all.size() > kMostConjunctions) {
                return std::nullopt;
            }
        }
        return all;
    }
    Normal product{Conjunction{}};
    for (const auto& operand : condition.operands) {
        auto part = normal_form(operand, negate);
        if (!part) {
            return std::nullopt;
        }
        Normal next;
        for (const auto& left : product) {
            for (const auto& right : *part) {
                Conjunction joined = left;
                joined.insert(joined.end(), right.begin(), right.end());
                next.push_back(std::move(joined));
                if (next.size() > kMostConjunctions) {
                    return std::nullopt;
                }
            }
        }
        product = std::move(next);
    }
    return product;
}

// Characters a recipe line cannot hold as they are, inside a regex: '#'
// (a comment), control characters (a line break), and blanks at either end
// (trimmed), written \xHH, which means the same to RE2.
std::string hex_escape(unsigned char c) {
    static constexpr char digits[] = "0123456789ABCDEF";
    return std::string("\\x") + digits[c >> 4U] + digits[c & 0x0FU];
}

bool needs_hex(std::string_view text, std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    return c == '#' || c < 0x20 || c == 0x7F || (c == ' ' && (i == 0 || i + 1 == text.size()));
}

// A regular expression that matches `text` literally.
std::string literal_regex(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (needs_hex(text, i)) {
            out += hex_escape(static_cast<unsigned char>(c));
            continue;
        }
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) {
            out += '\\';
        }
        out += c;
    }
    return out;
}

// A regular expression as CTP's script wrote it, with what a recipe line
// cannot hold written \xHH.
std::string printable_regex(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += (c == '#' || c < 0x20 || c == 0x7F) ? hex_escape(c) : std::string(1, text[i]);
    }
    return out;
}

// A regex as a criterion value: a '+' or "||" followed by a test word would
// start another criterion on the recipe line; an empty group after it keeps
// the value whole and matches the same.
std::string guard_operators(const std::string& regex) {
    static const RE2 operator_then_test(R"((\+|\|\|)([ \t]*(?i:contains|notcontains|equals|notequals|missing|present|empty)[ \t]))");
    std::string out = regex;
    RE2::GlobalReplace(&out, operator_then_test, R"(\1(?:)\2)");
    return out;
}

struct Made {
    ast::CriterionTest test = ast::CriterionTest::contains;
    std::string value;
};

class Writer {
public:
    Writer(const ElementDictionary& dictionary, const LocateRange& locate, Diagnostics& diagnostics)
        : dictionary_(dictionary), locate_(locate), diagnostics_(diagnostics) {}

    // The criterion for one literal; nullopt after an error. `constant` is
    // set instead for a comparison that holds for every file (or none).
    std::optional<ast::Criterion> criterion(const Literal& literal, std::optional<bool>& constant) {
        const Comparison& comparison = *literal.comparison;
        const auto element = element_named(comparison.element, dictionary_);
        if (!element || comparison.element.find("::") != std::string::npos) {
            diagnostics_.error(locate_(comparison.element_range), "ctp-element",
                               "unknown element '" + comparison.element +
                                   "' (a keyword or [gggg,eeee] of the top level): CTP reads it as empty");
            return std::nullopt;
        }
        const auto made = test_for(comparison, literal.negated, constant);
        if (!made) {
            return std::nullopt;
        }
        if (constant) {
            return ast::Criterion{};
        }
        ast::Criterion criterion;
        criterion.span = locate_(comparison.method_range);
        criterion.test = made->test;
        const SourceSpan element_span = locate_(comparison.element_range);
        criterion.field = filter_field_for_tag(element->first, element->second, dictionary_, element_span);
        if (made->test != ast::CriterionTest::missing && made->test != ast::CriterionTest::present &&
            made->test != ast::CriterionTest::empty) {
            criterion.value = made->value;
            criterion.value_span = locate_(comparison.value_range);
        }
        return criterion;
    }

private:
    std::optional<Made> test_for(const Comparison& comparison, bool negated, std::optional<bool>& constant) {
        const std::string& method = comparison.method;
        const std::string& value = comparison.value;
        const auto contains = negated ? ast::CriterionTest::notcontains : ast::CriterionTest::contains;
        if (method == "equals" || method == "equalsIgnoreCase") {
            if (value.empty()) {
                // The value of a missing element is "" to CTP: equals("") holds
                // for a missing or empty element; "." matches any character.
                return Made{negated ? ast::CriterionTest::contains : ast::CriterionTest::notcontains, "."};
            }
            const bool plain = trim(value) == value && value.find_first_of("|#+") == std::string::npos &&
                               std::none_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
            if (plain) {
                return Made{negated ? ast::CriterionTest::notequals : ast::CriterionTest::equals, value};
            }
            return Made{contains, guard_operators("^" + literal_regex(value) + "$")};
        }
        if (method == "contains" || method == "containsIgnoreCase" || method == "startsWith" ||
            method == "startsWithIgnoreCase" || method == "endsWith" || method == "endsWithIgnoreCase") {
            if (value.empty()) {
                constant = !negated;  // every text contains, starts and ends with ""
                return Made{};
            }
            std::string regex = literal_regex(value);
            if (method.starts_with("starts")) {
                regex = "^" + regex;
            } else if (method.starts_with("ends")) {
                regex += "$";
            }
            return Made{contains, guard_operators(regex)};
        }
        if (method == "matches") {
            const RE2 regex(value, RE2::Quiet);
            if (!regex.ok()) {
                diagnostics_.error(locate_(comparison.value_range), "ctp-regex",
                                   "the regular expression '" + value + "' cannot be run here: " + regex.error());
                return std::nullopt;
            }
            return Made{contains, guard_operators("^(?:" + printable_regex(value) + ")$")};
        }
        if (method == "isLessThan" || method == "isGreaterThan") {
            diagnostics_.error(locate_(comparison.method_range), "ctp-unsupported",
                               "." + method + " is not supported: deid's filters compare text, not numbers");
            return std::nullopt;
        }
        diagnostics_.error(locate_(comparison.method_range), "ctp-method",
                           "unknown method ." + method +
                               " (equals, contains, startsWith, endsWith and their IgnoreCase forms, matches): CTP "
                               "takes it as false");
        return std::nullopt;
    }

    const ElementDictionary& dictionary_;
    const LocateRange& locate_;
    Diagnostics& diagnostics_;
};

}  // namespace

std::optional<std::vector<ast::CriterionLine>> criterion_lines(const Condition& condition, bool negate,
                                                               const ElementDictionary& dictionary,
                                                               const LocateRange& locate, Diagnostics& diagnostics,
                                                               bool& always_false) {
    always_false = false;
    auto normal = normal_form(condition, negate);
    if (!normal) {
        diagnostics.error(locate(condition.range), "ctp-condition",
                          "this condition has over " + std::to_string(kMostConjunctions) +
                              " alternatives when written as deid filter lines: split it");
        return std::nullopt;
    }
    Writer writer(dictionary, locate, diagnostics);
    std::vector<ast::CriterionLine> lines;
    bool failed = false;
    for (const auto& conjunction : *normal) {
        ast::CriterionLine line;
        bool conjunction_false = false;
        for (const auto& literal : conjunction) {
            std::optional<bool> constant;
            auto criterion = writer.criterion(literal, constant);
            if (!criterion) {
                failed = true;
                continue;
            }
            if (constant) {
                conjunction_false = conjunction_false || !*constant;
                continue;
            }
            criterion->connective = line.criteria.empty() ? ast::Connective::none : ast::Connective::all_of;
            if (line.criteria.empty()) {
                line.span = criterion->span;
            }
            line.criteria.push_back(std::move(*criterion));
        }
        if (conjunction_false) {
            continue;
        }
        if (line.criteria.empty()) {
            return failed ? std::nullopt : std::optional<std::vector<ast::CriterionLine>>(std::vector<ast::CriterionLine>{});
        }
        lines.push_back(std::move(line));
    }
    if (failed) {
        return std::nullopt;
    }
    always_false = lines.empty();
    return lines;
}

}  // namespace deid::ctp
