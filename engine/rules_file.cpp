#include "engine/rules_file.hpp"

#include <algorithm>

#include "ctp/front_end.hpp"
#include "grammar/parser.hpp"

namespace deid {

std::optional<std::string> read_rules_text(const std::filesystem::path& path, Diagnostics& diagnostics) {
    auto text = grammar::read_recipe_file(path, diagnostics);
    if (!text || !grammar::is_rules_text(*text, path.string(), diagnostics)) {
        return std::nullopt;
    }
    return text;
}

ast::Recipe parse_rules_text(std::string_view text, const std::string& name, bool as_ctp_script,
                             const FrontEndOptions& front_end, const ElementDictionary& dictionary,
                             Diagnostics& diagnostics) {
    if (!grammar::is_rules_text(text, name, diagnostics)) {
        return ast::Recipe{name, std::nullopt, {}};
    }
    if (!as_ctp_script && !ctp::detect_script_kind(text)) {
        return grammar::parse_recipe(text, name, diagnostics);
    }
    return ctp::translate_script(text, name, std::nullopt, dictionary, {front_end.ctp_keyed}, diagnostics);
}

ast::Recipe read_rules_file(const std::filesystem::path& path, const FrontEndOptions& front_end,
                            const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    const auto text = grammar::read_recipe_file(path, diagnostics);
    if (!text) {
        return ast::Recipe{path.string(), std::nullopt, {}};
    }
    return parse_rules_text(*text, path.string(), is_forced_ctp_script(path, front_end), front_end, dictionary,
                            diagnostics);
}

bool is_forced_ctp_script(const std::filesystem::path& path, const FrontEndOptions& front_end) {
    return std::find(front_end.ctp_scripts.begin(), front_end.ctp_scripts.end(), path) != front_end.ctp_scripts.end();
}

}  // namespace deid
