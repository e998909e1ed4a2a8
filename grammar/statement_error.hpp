#pragma once

#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::grammar {

// An error found by an action while a statement is parsed (an unknown word,
// a wrong number of coordinates); it ends the statement like a syntax error.
struct StatementError {
    Diagnostic diagnostic;
};

}  // namespace deid::grammar
