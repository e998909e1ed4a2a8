#pragma once

#include <filesystem>
#include <optional>
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

// Recipes larger than this are refused (one diagnostic): 64 MiB is over
// three million lines.
inline constexpr std::size_t kLargestRecipe = std::size_t{64} << 20U;

// The contents of a file given as rules (a recipe, or an RSNA CTP script),
// at most kLargestRecipe + 1 bytes; nullopt after one diagnostic about the
// whole file (line 0) when it cannot be read or is a folder.
std::optional<std::string> read_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics);

// Whether `contents` may be rules at all: text (no NUL byte) of at most
// kLargestRecipe bytes. Otherwise one diagnostic about the whole file.
bool is_rules_text(std::string_view contents, const std::string& name, Diagnostics& diagnostics);

// Reads and parses a recipe file. A file that cannot be read, is binary
// (holds a NUL byte) or is larger than kLargestRecipe is one diagnostic
// about the whole file (line 0), never a diagnostic per line of garbage.
ast::Recipe parse_recipe_file(const std::filesystem::path& path, Diagnostics& diagnostics);

// The same for recipe text read elsewhere (standard input), named `name`.
ast::Recipe parse_recipe_text(std::string_view contents, const std::string& name, Diagnostics& diagnostics);

}  // namespace deid::grammar
