#include "interpreter/diagnostics/diagnostic.hpp"

#include <algorithm>
#include <array>
#include <tuple>

#include "support/json_text.hpp"

namespace deid {
namespace {

constexpr std::size_t kLongestExcerpt = 80;  // quoted recipe text beyond this is cut...
constexpr std::size_t kExcerptKept = 60;     // ...to this, and "…"

// `byte` as \xNN.
std::string escaped(unsigned char byte) {
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    return {'\\', 'x', kHex[byte >> 4U], kHex[byte & 0xFU]};
}

// What a recipe holds is shown only as readable text: control characters
// and bytes that are not UTF-8 (a binary file read as a recipe) as \xNN.
std::string printable(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0;
        if (length > 1 && (i + length > text.size() || !is_valid_utf8(text.substr(i, length)))) {
            length = 0;
        }
        if (length == 0 || (length == 1 && (byte < 0x20 || byte == 0x7F))) {
            out += escaped(byte);
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

// Messages quote recipe text between single quotes; an excerpt longer than
// a line's worth (a binary file, 100,000 letters where a name should be) is
// cut, so one finding is one readable line. A quote opens after a blank or
// '(' and closes before a blank, punctuation or the end, so apostrophes
// ("the tool's", "Patient's Name") are no quotes.
std::string with_short_excerpts(std::string_view message) {
    auto opens = [&](std::size_t i) {
        return message[i] == '\'' && (i == 0 || message[i - 1] == ' ' || message[i - 1] == '(');
    };
    auto closes = [&](std::size_t i) {
        return message[i] == '\'' &&
               (i + 1 == message.size() || std::string_view(" ),:;.?!").find(message[i + 1]) != std::string_view::npos);
    };
    std::string out;
    std::size_t at = 0;
    for (std::size_t open = 0; open < message.size(); ++open) {
        if (!opens(open)) {
            continue;
        }
        std::size_t close = open + 1;
        while (close < message.size() && !closes(close)) {
            ++close;
        }
        if (close == message.size()) {
            break;  // no closing quote: nothing to cut
        }
        const std::string_view excerpt = message.substr(open + 1, close - open - 1);
        if (excerpt.size() > kLongestExcerpt) {
            std::size_t cut = kExcerptKept;
            while (cut > 0 && (static_cast<unsigned char>(excerpt[cut]) & 0xC0U) == 0x80U) {
                --cut;  // not inside a UTF-8 sequence
            }
            out.append(message.substr(at, open + 1 - at));
            out.append(excerpt.substr(0, cut));
            out += "…";
            at = close;
        }
        open = close;
    }
    out.append(message.substr(at));
    return out;
}

}  // namespace

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "note";
    }
    return "error";
}

void Diagnostics::error(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::error, span, std::move(code), std::move(message)});
}

void Diagnostics::warning(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::warning, span, std::move(code), std::move(message)});
}

void Diagnostics::note(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::note, span, std::move(code), std::move(message)});
}

void Diagnostics::add(Diagnostic diagnostic) {
    diagnostic.message = with_short_excerpts(printable(diagnostic.message));
    if (diagnostic.severity == Severity::error) {
        ++error_count_;
    }
    items_.push_back(std::move(diagnostic));
}

std::size_t Diagnostics::warning_count() const {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
        return d.severity == Severity::warning;
    }));
}

void Diagnostics::sort_by_location() {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.span.file, a.span.line, a.span.column) <
               std::tie(b.span.file, b.span.line, b.span.column);
    });
}

std::string format_text(const Diagnostic& diagnostic) {
    std::string out = diagnostic.span.file;
    if (diagnostic.span.line > 0) {  // line 0: about the whole file (it cannot be read)
        out += ':';
        out += std::to_string(diagnostic.span.line);
        out += ':';
        out += std::to_string(diagnostic.span.column);
    }
    out += ": ";
    out += to_string(diagnostic.severity);
    out += ": ";
    out += diagnostic.message;
    return out;
}

}  // namespace deid
