#include "grammar/parser.hpp"

#include <fstream>
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

ast::Recipe parse_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        diagnostics.error({path.string(), 0, 0, 0}, "unreadable-file", "cannot read recipe file");
        return ast::Recipe{path.string(), std::nullopt, {}};
    }
    std::ostringstream contents;
    contents << stream.rdbuf();
    return parse_recipe(contents.str(), path.string(), diagnostics);
}

}  // namespace deid::grammar
