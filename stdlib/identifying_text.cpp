#include "stdlib/identifying_text.hpp"

#include <algorithm>
#include <cctype>

namespace deid::stdlib {
namespace {

enum class CharClass { letter, digit, other };

CharClass class_of(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) != 0 || u >= 0x80) {
        return CharClass::letter;  // bytes of UTF-8 letters count as letters
    }
    return std::isdigit(u) != 0 ? CharClass::digit : CharClass::other;
}

// Whether text[at, at + length) stands alone: the character before does not
// continue the token's first character's run, nor the one after its last.
bool stands_alone(std::string_view text, std::size_t at, std::size_t length, const IdentifyingToken& token) {
    const CharClass first = class_of(token.text.front());
    const CharClass last = class_of(token.text.back());
    if (at > 0 && first != CharClass::other && class_of(text[at - 1]) == first) {
        return false;
    }
    const std::size_t end = at + length;
    if (end < text.size() && last != CharClass::other && class_of(text[end]) == last) {
        return token.open_end && last == CharClass::digit;
    }
    return true;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return out;
}

}  // namespace

std::optional<std::size_t> find_token(std::string_view lowered_text, const IdentifyingToken& token, std::size_t from) {
    if (token.text.empty()) {
        return std::nullopt;
    }
    for (std::size_t at = lowered_text.find(token.text, from); at != std::string_view::npos;
         at = lowered_text.find(token.text, at + 1)) {
        if (stands_alone(lowered_text, at, token.text.size(), token)) {
            return at;
        }
    }
    return std::nullopt;
}

std::string remove_tokens(std::string_view text, const std::vector<IdentifyingToken>& tokens) {
    std::vector<const IdentifyingToken*> longest_first;
    for (const auto& token : tokens) {
        longest_first.push_back(&token);
    }
    std::stable_sort(longest_first.begin(), longest_first.end(),
                     [](const auto* a, const auto* b) { return a->text.size() > b->text.size(); });
    std::string kept(text);
    bool removed = false;
    for (const auto* token : longest_first) {
        std::string lower = lowered(kept);
        for (auto at = find_token(lower, *token); at; at = find_token(lower, *token, *at)) {
            kept.erase(*at, token->text.size());
            lower.erase(*at, token->text.size());
            removed = true;
        }
    }
    if (!removed) {
        return kept;  // as written, blanks and all
    }
    std::string collapsed;
    for (const char c : kept) {
        const bool blank = c == ' ' || c == '\t';
        if (!(blank && (collapsed.empty() || collapsed.back() == ' '))) {
            collapsed += blank ? ' ' : c;
        }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') {
        collapsed.pop_back();
    }
    return collapsed;
}

}  // namespace deid::stdlib
