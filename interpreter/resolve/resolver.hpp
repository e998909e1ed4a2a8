#pragma once

#include <optional>
#include <set>
#include <string>

#include "interpreter/ast/combine.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

struct ResolveOptions {
    // The `func:` names the user's scripts define; when set, a recipe that
    // calls any other name is an error. Unset: func: names are not checked.
    std::optional<std::set<std::string>> user_functions;
};

// Binds a combined recipe into a plan. Reports every problem to
// `diagnostics` (errors for what cannot run as written, warnings for what
// runs but likely not as meant, notes where older tools differ) and returns
// the plan built from everything that did bind. `lint` is this function
// with its diagnostics printed; commands refuse to run a plan with errors.
plan::Plan resolve(const ast::CombinedRecipe& recipe, const ElementDictionary& dictionary,
                   const ResolveOptions& options, Diagnostics& diagnostics);

}  // namespace deid
