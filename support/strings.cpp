#include "support/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace deid {
namespace {
bool is_blank(char c) { return c == ' ' || c == '\t'; }
unsigned char byte(char c) { return static_cast<unsigned char>(c); }
}  // namespace

bool is_word_char(char c) { return std::isalnum(byte(c)) != 0 || c == '_'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(std::tolower(byte(c))); });
    return out;
}

std::string to_upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(std::toupper(byte(c))); });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(byte(x)) == std::tolower(byte(y));
           });
}

std::string unquote(std::string_view text) {
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
        text = text.substr(1, text.size() - 2);
    }
    return std::string(text);
}

std::string collapse_blanks_outside_quotes(std::string_view text) {
    std::string out;
    bool in_quotes = false;
    bool pending_blank = false;
    for (const char c : trim(text)) {
        if (!in_quotes && is_blank(c)) {
            pending_blank = true;
            continue;
        }
        if (pending_blank) {
            out += ' ';
            pending_blank = false;
        }
        if (c == '"') {
            in_quotes = !in_quotes;
        }
        out += c;
    }
    return out;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    std::int64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string> split_multi_value(std::string_view text) {
    std::vector<std::string> values;
    while (true) {
        const auto separator = text.find('\\');
        values.emplace_back(text.substr(0, separator));
        if (separator == std::string_view::npos) {
            return values;
        }
        text.remove_prefix(separator + 1);
    }
}

std::string join_multi_value(const std::vector<std::string>& values) {
    std::string joined;
    for (std::size_t i = 0; i < values.size(); ++i) {
        joined += (i == 0 ? "" : "\\") + values[i];
    }
    return joined;
}

std::string hex_digits(std::uint32_t value, int digits) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string text(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, value >>= 4U) {
        text[static_cast<std::size_t>(i)] = kHex[value & 0xFU];
    }
    return text;
}

}  // namespace deid::grammar
