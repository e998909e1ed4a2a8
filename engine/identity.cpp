#include "engine/identity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "engine/profile_table.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::size_t kShortestWord = 3;
constexpr std::size_t kShortestDigits = 4;

constexpr std::array<std::string_view, 10> kNumberVrs = {"DS", "IS", "FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"};
constexpr std::array<std::string_view, 8> kTextVrs = {"LO", "SH", "CS", "ST", "LT", "UT", "UC", "UR"};

bool one_of(std::string_view vr, const auto& vrs) { return std::find(vrs.begin(), vrs.end(), vr) != vrs.end(); }

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool binary_vr(std::string_view vr) {
    return vr == "OB" || vr == "OW" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "UN";
}

// Runs of letters (or of digits) in `text`, at least `shortest` long.
std::vector<std::string_view> runs(std::string_view text, bool (*in_run)(char), std::size_t shortest) {
    std::vector<std::string_view> found;
    std::size_t start = 0;
    while (start < text.size()) {
        while (start < text.size() && !in_run(text[start])) {
            ++start;
        }
        std::size_t end = start;
        while (end < text.size() && in_run(text[end])) {
            ++end;
        }
        if (end - start >= shortest) {
            found.push_back(text.substr(start, end - start));
        }
        start = end;
    }
    return found;
}

// Nothing but zeros, signs and separators: "0", "000000", "0.0".
bool says_nothing(std::string_view value) {
    return std::all_of(value.begin(), value.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) || c == '0'; });
}

bool identifier_like(std::string_view value) {
    return value.size() >= 4 && std::any_of(value.begin(), value.end(), is_digit) &&
           std::none_of(value.begin(), value.end(), [](char c) { return c == ' '; });
}

bool valid_date(std::string_view digits) {
    if (digits.size() != 8 || !std::all_of(digits.begin(), digits.end(), is_digit)) {
        return false;
    }
    const int month = std::stoi(std::string(digits.substr(4, 2)));
    const int day = std::stoi(std::string(digits.substr(6, 2)));
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

class Tokens {
public:
    explicit Tokens(std::vector<SourceToken>& out) : out_(out) {}

    void add(std::string_view text, TokenKind kind, bool strong, bool open_end = false) {
        std::string lowered = to_lower(trim(text));
        if (lowered.empty() || says_nothing(lowered) || !seen_.insert(lowered).second) {
            return;
        }
        out_.push_back({{std::move(lowered), open_end}, kind, strong});
    }

    void date(std::string_view digits) {
        if (!valid_date(digits)) {
            return;
        }
        const std::string d(digits);
        add(d, TokenKind::date, true, true);
        add(d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2), TokenKind::date, true);
        add(d.substr(6, 2) + "/" + d.substr(4, 2) + "/" + d.substr(0, 4), TokenKind::date, true);
        add(d.substr(4, 2) + "/" + d.substr(6, 2) + "/" + d.substr(0, 4), TokenKind::date, true);
    }

    void text(std::string_view value, bool may_be_strong) {
        const std::string_view whole = trim(value);
        if (whole.size() >= kShortestWord) {
            add(whole, TokenKind::value, may_be_strong && identifier_like(whole));
        }
        for (const auto word : runs(whole, is_letter, kShortestWord)) {
            add(word, TokenKind::word, false);
        }
        for (const auto digits : runs(whole, is_digit, kShortestDigits)) {
            add(digits, TokenKind::digits, false);
        }
    }

    void name(std::string_view value, bool strong) {
        std::string whole(trim(value));
        while (!whole.empty() && (whole.back() == '^' || whole.back() == '=')) {
            whole.pop_back();
        }
        if (whole.size() >= kShortestWord) {
            add(whole, TokenKind::value, strong);
        }
        std::string component;
        for (const char c : whole + "^") {
            if (c == '^' || c == '=' || c == ' ' || c == ',') {
                if (trim(component).size() >= 2) {
                    add(component, TokenKind::component, false);
                }
                component.clear();
            } else {
                component += c;
            }
        }
    }

private:
    std::vector<SourceToken>& out_;
    std::set<std::string> seen_;
};

// The pieces of one element's value, by VR. Only dates and UIDs are strong
// in private elements, whose meaning is unknown: a private LO holding
// 20230101 or CT01 may be a version or a device name as well as an ID.
void tokenize(const ElementInfo& element, const std::vector<std::string>& values, bool from_binary, Tokens& tokens) {
    const std::string_view vr = element.vr;
    const bool known = !element.is_private() && !from_binary;
    for (const auto& value : values) {
        const std::string_view trimmed = trim(value);
        if (from_binary) {
            tokens.text(trimmed, false);
        } else if (vr == "UI") {
            tokens.add(trimmed, TokenKind::uid, trimmed.size() >= 8);
        } else if (vr == "DA") {
            tokens.date(trimmed);
        } else if (vr == "DT") {
            tokens.date(trimmed.substr(0, 8));
        } else if (vr == "TM") {
            const std::string_view digits = trimmed.substr(0, trimmed.find('.'));
            if (digits.size() >= kShortestDigits) {
                tokens.add(digits, TokenKind::value, false);
            }
        } else if (vr == "PN") {
            tokens.name(trimmed, !element.is_private());
        } else if (vr == "AE") {
            tokens.add(trimmed, TokenKind::value, known && trimmed.size() >= kShortestWord);
        } else if (vr == "AS" || one_of(vr, kNumberVrs)) {
            if (trimmed.size() >= kShortestDigits) {
                tokens.add(trimmed, TokenKind::value, false);
            }
        } else if (one_of(vr, kTextVrs)) {
            tokens.text(trimmed, known);
        }
    }
}

// Printable runs of at least 4 characters: the text inside a binary value.
std::vector<std::string> printable_runs(std::string_view bytes) {
    std::vector<std::string> found;
    std::string current;
    for (const char c : std::string(bytes) + '\0') {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7F) {
            current += c;
            continue;
        }
        if (trim(current).size() >= 4) {
            found.emplace_back(trim(current));
        }
        current.clear();
    }
    return found;
}

// The values to tokenize: the element's, or the text inside its bytes.
std::optional<std::vector<std::string>> values_of(const DatasetView& dataset, const ElementInfo& element,
                                                  const BinaryReader& binary, bool& from_binary) {
    from_binary = false;
    if (element.is_sequence() || element.length == 0) {
        return std::nullopt;
    }
    if (binary_vr(element.vr)) {
        if (!binary) {
            return std::nullopt;
        }
        const auto bytes = binary(element);
        if (!bytes) {
            return std::nullopt;
        }
        from_binary = true;
        auto found = printable_runs(*bytes);
        return found.empty() ? std::nullopt : std::optional(std::move(found));
    }
    auto values = dataset.values(element.path);
    if (!values || values->empty()) {
        return std::nullopt;
    }
    return values;
}

bool is_source(ProfileAction action) {
    return action == ProfileAction::remove || action == ProfileAction::blank || action == ProfileAction::dummy ||
           action == ProfileAction::uid;
}

}  // namespace

bool IdentifyingValues::significant(const SourceToken& token) const {
    if (!token.strong) {
        return !retained.contains(token.token.text);
    }
    if (token.kind == TokenKind::date || token.kind == TokenKind::uid) {
        return !retained_values.contains(token.token.text);
    }
    return true;
}

std::vector<stdlib::IdentifyingToken> IdentifyingValues::significant_tokens() const {
    std::vector<stdlib::IdentifyingToken> tokens;
    std::set<std::string> seen;
    for (const auto& element : elements) {
        for (const auto& token : element.tokens) {
            if (significant(token) && seen.insert(token.token.text).second) {
                tokens.push_back(token.token);
            }
        }
    }
    return tokens;
}

IdentifyingValues collect_identity(const DatasetView& dataset, const Profile& profile, const BinaryReader& binary) {
    IdentifyingValues identity;
    for (const auto& element : dataset.elements()) {
        bool from_binary = false;
        const auto values = values_of(dataset, element, binary, from_binary);
        if (!values) {
            continue;
        }
        const ProfileAction action = element.is_private() ? ProfileAction::remove : profile_action(element, profile);
        std::vector<SourceToken> tokens;
        Tokens collector(tokens);
        tokenize(element, *values, from_binary, collector);
        if (is_source(action)) {
            if (!tokens.empty()) {
                identity.elements.push_back({element, join_multi_value(*values), std::move(tokens)});
            }
            continue;
        }
        if (action == ProfileAction::clean && element.vr != "TM") {
            // Cleaned text vouches for none of the sources' pieces, and a
            // shifted date for none of the dates; the time of a shifted DT
            // stays as it was (the shift is whole days), as TM values do.
            if (element.vr == "DT") {
                for (const auto& value : *values) {
                    for (const auto run : runs(std::string_view(value).substr(std::min<std::size_t>(8, value.size())), is_digit, 2)) {
                        identity.retained.insert(std::string(run));
                    }
                }
            }
            continue;
        }
        for (auto& token : tokens) {
            identity.retained.insert(std::move(token.token.text));
        }
        // Shorter runs too: a two-letter name component ("OB") is no news
        // when a kept element says OB_GENERAL.
        for (const auto& value : *values) {
            identity.retained_values.insert(to_lower(trim(value)));
            identity.retained.insert(to_lower(trim(value)));
            for (const auto run : runs(value, is_letter, 2)) {
                identity.retained.insert(to_lower(run));
            }
            for (const auto run : runs(value, is_digit, 2)) {
                identity.retained.insert(std::string(run));
            }
            for (const auto run : runs(value, [](char c) { return is_letter(c) || is_digit(c); }, 2)) {
                identity.retained.insert(to_lower(run));
            }
        }
    }
    return identity;
}

std::optional<std::string> searchable_text(const DatasetView& dataset, const ElementInfo& element,
                                           const BinaryReader& binary) {
    bool from_binary = false;
    const auto values = values_of(dataset, element, binary, from_binary);
    if (!values) {
        return std::nullopt;
    }
    if (!from_binary) {
        return join_multi_value(*values);
    }
    std::string joined;
    for (const auto& run : *values) {
        joined += (joined.empty() ? "" : "\n") + run;
    }
    return joined;
}

std::string_view token_kind_word(TokenKind kind) {
    switch (kind) {
        case TokenKind::value: return "value";
        case TokenKind::uid: return "UID";
        case TokenKind::component: return "component";
        case TokenKind::date: return "date";
        case TokenKind::digits: return "digits";
        case TokenKind::word: return "word";
    }
    return "";
}

}  // namespace deid
