#pragma once

#include <optional>
#include <string>

#include "interpreter/ast/combine.hpp"

namespace deid::ctp {

// Where two combined recipes differ in what they mean (positions aside):
// actions, their fields and values, filter groups, LABELs, criteria and
// regions. nullopt when they are the same. `deid import-ctp` checks with it
// that the recipe it writes reads back as the CTP files compiled.
std::optional<std::string> difference(const ast::CombinedRecipe& a, const ast::CombinedRecipe& b);

}  // namespace deid::ctp
