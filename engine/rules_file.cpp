#include "engine/rules_file.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <system_error>

#include "ctp/front_end.hpp"
#include "engine/compile.hpp"
#include "grammar/parser.hpp"

namespace deid {

std::optional<std::string> read_rules_text(const std::filesystem::path& path, Diagnostics& diagnostics) {
    const std::string name = path.string();
    const SourceSpan whole_file{name, 0, 0, 0};
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        diagnostics.error(whole_file, "unreadable-file", "cannot read recipe file: it is a folder");
        return std::nullopt;
    }
    errno = 0;
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        diagnostics.error(whole_file, "unreadable-file",
                          "cannot read recipe file: " + std::generic_category().message(errno != 0 ? errno : EIO));
        return std::nullopt;
    }
    std::string contents(grammar::kLargestRecipe + 1, '\0');
    stream.read(contents.data(), static_cast<std::streamsize>(contents.size()));
    contents.resize(static_cast<std::size_t>(stream.gcount()));
    if (stream.bad()) {
        diagnostics.error(whole_file, "unreadable-file",
                          "cannot read recipe file: " + std::generic_category().message(errno != 0 ? errno : EIO));
        return std::nullopt;
    }
    if (contents.size() > grammar::kLargestRecipe) {
        diagnostics.error(whole_file, "not-a-recipe",
                          "not a recipe: over " + std::to_string(grammar::kLargestRecipe >> 20U) + " MiB");
        return std::nullopt;
    }
    if (const auto nul = contents.find('\0'); nul != std::string::npos) {
        const auto line = 1 + std::count(contents.begin(), contents.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
        diagnostics.error(whole_file, "not-a-recipe",
                          "not a recipe: binary data (a NUL byte on line " + std::to_string(line) + ")");
        return std::nullopt;
    }
    return contents;
}

ast::Recipe read_rules_file(const std::filesystem::path& path, const FrontEndOptions& front_end,
                            const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    const bool forced = std::find(front_end.ctp_scripts.begin(), front_end.ctp_scripts.end(), path) != front_end.ctp_scripts.end();
    const auto text = read_rules_text(path, diagnostics);
    if (!text) {
        return ast::Recipe{path.string(), std::nullopt, {}};
    }
    if (!forced && !ctp::detect_script_kind(*text)) {
        return grammar::parse_recipe_text(*text, path.string(), diagnostics);
    }
    return ctp::translate_script(*text, path.string(), std::nullopt, dictionary, {front_end.ctp_keyed}, diagnostics);
}

}  // namespace deid
