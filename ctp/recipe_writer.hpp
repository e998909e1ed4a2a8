#pragma once

// Prints a recipe compiled from a CTP file as recipe text that reads back
// into the same AST (tests check it on every shipped CTP file), each action
// and LABEL under a comment that quotes the CTP line it came from.

#include <string>
#include <string_view>

#include "interpreter/ast/ast.hpp"

namespace deid::ctp {

// `source` is the CTP file's text, quoted in the comments. Prints the
// sections only (no FORMAT line), so that several files make one recipe.
std::string write_sections(const ast::Recipe& recipe, std::string_view source);

}  // namespace deid::ctp
