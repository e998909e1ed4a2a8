#include "engine/compile.hpp"

#include "engine/bundled_recipes.hpp"
#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"

namespace deid {

Compiled compile(const CompileRequest& request, const ElementDictionary& dictionary) {
    Compiled compiled;
    std::vector<ast::Recipe> recipes;
    if (request.with_default_recipe) {
        const BundledRecipe* bundled = find_bundled_recipe("deid.dicom");
        recipes.push_back(grammar::parse_recipe(bundled->text, std::string(kBundledPrefix) + std::string(bundled->name),
                                                compiled.diagnostics));
    }
    for (const auto& path : request.recipes) {
        recipes.push_back(grammar::parse_recipe_file(path, compiled.diagnostics));
    }
    const ast::CombinedRecipe combined = ast::combine(recipes, compiled.diagnostics);
    compiled.plan = resolve(combined, dictionary, request.options, compiled.diagnostics);
    compiled.diagnostics.sort_by_location();
    return compiled;
}

}  // namespace deid
