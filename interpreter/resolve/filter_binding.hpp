#pragma once

#include <vector>

#include "interpreter/ast/combine.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/plan/plan.hpp"
#include "interpreter/resolve/field_binding.hpp"

namespace deid {

// Binds the %filter groups (spec §4): fields bound, `contains` regexes
// compiled, `equals` alternatives split, regions converted to
// xmin,ymin,xmax,ymax and checked.
std::vector<plan::FilterGroup> bind_filters(const ast::CombinedRecipe& recipe, FieldBinder& binder,
                                            Diagnostics& diagnostics);

}  // namespace deid
