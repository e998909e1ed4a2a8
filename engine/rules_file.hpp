#pragma once

// Rules given to a command are recipes or RSNA CTP scripts: both compile
// into the same AST (ctp/front_end.hpp), whichever way they come in (a
// file, standard input, text held in memory).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/compile.hpp"
#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid {

// The text of a file given as rules, or nullopt after one whole-file
// diagnostic: it cannot be read, is a folder, is binary (a NUL byte) or is
// larger than a recipe may be.
std::optional<std::string> read_rules_text(const std::filesystem::path& path, Diagnostics& diagnostics);

// Rules text named `name` as the AST: a CTP script when `as_ctp_script` (an
// error if it is none) or when its content says so, a recipe otherwise.
ast::Recipe parse_rules_text(std::string_view text, const std::string& name, bool as_ctp_script,
                             const FrontEndOptions& front_end, const ElementDictionary& dictionary,
                             Diagnostics& diagnostics);

// A file given as rules ("-" is not a file: see CompileRequest::standard_input).
ast::Recipe read_rules_file(const std::filesystem::path& path, const FrontEndOptions& front_end,
                            const ElementDictionary& dictionary, Diagnostics& diagnostics);

// Whether `path` was given with --ctp.
bool is_forced_ctp_script(const std::filesystem::path& path, const FrontEndOptions& front_end);

}  // namespace deid
