#pragma once

#include "interpreter/ast/combine.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid {

// Notes where the established tool reads a %header line differently from
// the spec (its ⚠ entries), so that a site moving a recipe over knows what
// changes: a lowercase action (ignored there), a trailing comment read into
// the value there (REMOVE then removes nothing, a var:/func: name finds
// nothing), KEEP of a fields:/values: group (protects nothing there).
void note_older_tool_readings(const ast::CombinedRecipe& recipe, Diagnostics& diagnostics);

}  // namespace deid
