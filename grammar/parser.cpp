#include "grammar/parser.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <system_error>
#include <sstream>

#include <tao/pegtl.hpp>

#include "grammar/actions.hpp"
#include "grammar/error_messages.hpp"
#include "grammar/recipe_grammar.hpp"

namespace deid::grammar {
namespace {

// Line breaks become '\n' (CRLF and lone CR alike) and the text ends with
// one, so that every line of the grammar ends in eol.
std::string normalise_line_breaks(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                continue;
            }
            out += '\n';
        } else {
            out += text[i];
        }
    }
    if (out.empty() || out.back() != '\n') {
        out += '\n';
    }
    return out;
}

}  // namespace

ast::Recipe parse_recipe(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    const std::string normalised = normalise_line_breaks(text);
    RecipeBuilder builder(file, diagnostics);
    tao::pegtl::memory_input input(normalised, file);
    try {
        if (!tao::pegtl::parse<rules::recipe, action, control>(input, builder)) {
            diagnostics.error({file, 1, 1, 1}, "syntax", "the recipe could not be read");
        }
    } catch (const tao::pegtl::parse_error& error) {
        // Statements recover from their own errors; this is a line the
        // grammar could not even split, which is reported as is.
        builder.syntax_error(error);
    }
    return builder.finish();
}

std::optional<std::string> read_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics) {
    const SourceSpan whole_file{path.string(), 0, 0, 0};
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
    std::string contents(kLargestRecipe + 1, '\0');
    stream.read(contents.data(), static_cast<std::streamsize>(contents.size()));
    contents.resize(static_cast<std::size_t>(stream.gcount()));
    if (stream.bad()) {
        diagnostics.error(whole_file, "unreadable-file",
                          "cannot read recipe file: " + std::generic_category().message(errno != 0 ? errno : EIO));
        return std::nullopt;
    }
    return contents;
}

bool is_rules_text(std::string_view contents, const std::string& name, Diagnostics& diagnostics) {
    const SourceSpan whole_file{name, 0, 0, 0};
    if (contents.size() > kLargestRecipe) {
        diagnostics.error(whole_file, "not-a-recipe",
                          "not a recipe: over " + std::to_string(kLargestRecipe >> 20U) + " MiB");
        return false;
    }
    // A recipe is text; a NUL byte means some other kind of file was given.
    if (const auto nul = contents.find('\0'); nul != std::string_view::npos) {
        const auto line = 1 + std::count(contents.begin(), contents.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
        diagnostics.error(whole_file, "not-a-recipe",
                          "not a recipe: binary data (a NUL byte on line " + std::to_string(line) + ")");
        return false;
    }
    return true;
}

ast::Recipe parse_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics) {
    const auto contents = read_recipe_file(path, diagnostics);
    if (!contents) {
        return ast::Recipe{path.string(), std::nullopt, {}};
    }
    return parse_recipe_text(*contents, path.string(), diagnostics);
}

ast::Recipe parse_recipe_text(std::string_view contents, const std::string& name, Diagnostics& diagnostics) {
    if (!is_rules_text(contents, name, diagnostics)) {
        return ast::Recipe{name, std::nullopt, {}};
    }
    return parse_recipe(contents, name, diagnostics);
}

}  // namespace deid::grammar
