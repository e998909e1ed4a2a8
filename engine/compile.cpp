#include "engine/compile.hpp"

#include <stdexcept>

#include "engine/bundled_recipes.hpp"
#include "engine/rules_file.hpp"
#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"

namespace deid {
namespace {

// The options of a profile, and recipes run after one, override the basic
// profile's lines by design (a KEEP, a REPLACE that makes its REMOVE step
// aside): that a profile line has no effect then is no news.
Diagnostics without_overridden_profile_lines(const Diagnostics& diagnostics) {
    const std::string profiles = std::string(kBundledPrefix) + "deid.profile.";
    Diagnostics kept;
    for (const auto& diagnostic : diagnostics.all()) {
        if (!(diagnostic.code == "dead-action" && diagnostic.span.file.starts_with(profiles))) {
            kept.add(diagnostic);
        }
    }
    return kept;
}

}  // namespace

Compiled compile(const CompileRequest& request, const ElementDictionary& dictionary) {
    Compiled compiled;
    std::vector<ast::Recipe> recipes;
    if (request.with_default_recipe) {
        const BundledRecipe* bundled = find_bundled_recipe("deid.dicom");
        recipes.push_back(grammar::parse_recipe(bundled->text, std::string(kBundledPrefix) + std::string(bundled->name),
                                                compiled.diagnostics));
    }
    for (const auto& name : request.bundled) {
        const BundledRecipe* bundled = find_bundled_recipe(name);
        if (bundled == nullptr) {
            throw std::logic_error("no bundled recipe " + name);
        }
        recipes.push_back(grammar::parse_recipe(bundled->text, std::string(kBundledPrefix) + std::string(bundled->name),
                                                compiled.diagnostics));
    }
    for (const auto& path : request.recipes) {
        if (path == "-") {
            recipes.push_back(parse_rules_text(request.standard_input.value_or(""), "<stdin>",
                                               is_forced_ctp_script(path, request.front_end), request.front_end,
                                               dictionary, compiled.diagnostics));
            continue;
        }
        recipes.push_back(read_rules_file(path, request.front_end, dictionary, compiled.diagnostics));
    }
    for (const auto& recipe : request.texts) {
        recipes.push_back(parse_rules_text(recipe.text, recipe.name, recipe.ctp_script, request.front_end, dictionary,
                                           compiled.diagnostics));
    }
    const ast::CombinedRecipe combined = ast::combine(recipes, compiled.diagnostics);
    compiled.plan = resolve(combined, dictionary, request.options, compiled.diagnostics);
    if (!request.bundled.empty()) {
        compiled.diagnostics = without_overridden_profile_lines(compiled.diagnostics);
    }
    compiled.diagnostics.sort_by_location();
    return compiled;
}

}  // namespace deid
