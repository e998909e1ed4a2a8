#include "ctp/front_end.hpp"

#include <algorithm>

#include "ctp/source_text.hpp"
#include "ctp/translations.hpp"
#include "grammar/ctp/condition.hpp"
#include "grammar/ctp/pixel_script.hpp"

namespace deid::ctp {
namespace {

std::string_view skip_blanks(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    return text;
}

}  // namespace

std::string_view to_string(ScriptKind kind) {
    switch (kind) {
        case ScriptKind::anonymizer: return "anonymizer";
        case ScriptKind::pixel: return "pixel anonymizer";
        case ScriptKind::filter: return "filter";
    }
    return "";
}

std::optional<ScriptKind> detect_script_kind(std::string_view text) {
    const std::string_view start = skip_blanks(text);
    if (start.starts_with("<")) {
        // CTP's DAScript takes any text starting with '<' for XML.
        return ScriptKind::anonymizer;
    }
    // A recipe's first line is a comment, FORMAT or a section.
    if (start.empty() || start.starts_with("#") || start.starts_with("%")) {
        return std::nullopt;
    }
    const auto first_word_end = start.find_first_of(" \t\r\n");
    const std::string_view first = start.substr(0, first_word_end);
    if (first.size() == 6 && std::equal(first.begin(), first.end(), "FORMAT", [](char a, char b) {
            return std::toupper(static_cast<unsigned char>(a)) == b;
        })) {
        return std::nullopt;
    }
    if (parse_condition(text).errors.empty()) {
        return ScriptKind::filter;
    }
    const PixelScript pixel = read_pixel_script(text);
    if (!pixel.signatures.empty()) {
        return ScriptKind::pixel;
    }
    return std::nullopt;
}

ast::Recipe translate_script(std::string_view text, const std::string& file, std::optional<ScriptKind> kind,
                             const ElementDictionary& dictionary, const TranslationOptions& options,
                             Diagnostics& diagnostics) {
    if (!kind) {
        kind = detect_script_kind(text);
    }
    const SourceText source(file, std::string(text));
    if (!kind) {
        diagnostics.error({file, 0, 0, 0}, "not-ctp",
                          "not an RSNA CTP script: neither an anonymizer script (<script>), a pixel anonymizer "
                          "script ({ condition } (x,y,w,h)) nor a filter condition");
        return ast::Recipe{file, std::nullopt, {}};
    }
    switch (*kind) {
        case ScriptKind::anonymizer: return translate_anonymizer(source, dictionary, options, diagnostics);
        case ScriptKind::pixel: return translate_pixel_script(source, dictionary, diagnostics);
        case ScriptKind::filter: return translate_filter_script(source, dictionary, diagnostics);
    }
    return ast::Recipe{file, std::nullopt, {}};
}

}  // namespace deid::ctp
