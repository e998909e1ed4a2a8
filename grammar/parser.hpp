#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::grammar {

// Parses one recipe. Never throws on bad input: every syntax error is
// reported to `diagnostics` with its line and column, the offending line is
// skipped, and parsing goes on so that one run reports every bad line.
// `file` is the name diagnostics and spans carry.
ast::Recipe parse_recipe(std::string_view text, const std::string& file, Diagnostics& diagnostics);

// Reads and parses a recipe file; an unreadable file is one diagnostic.
ast::Recipe parse_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics);

}  // namespace deid::grammar
