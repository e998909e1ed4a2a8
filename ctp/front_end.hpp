#pragma once

// RSNA CTP scripts as recipes. Each kind of CTP file compiles into the same
// AST as a recipe (so one resolver, one evaluator, one lint and one
// --explain serve both), with spans at the CTP file's lines and columns:
//
//   anonymizer  <script> of <p>, <e>, <k>, <r>     -> %header actions
//   pixel       DicomPixelAnonymizer signatures    -> %filter graylist LABELs
//   filter      a DicomFilter condition            -> %filter blacklist LABEL
//
// What CTP does that deid cannot is a lint error naming it, never a rule
// silently dropped.

#include <optional>
#include <string>
#include <string_view>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid::ctp {

enum class ScriptKind { anonymizer, pixel, filter };

std::string_view to_string(ScriptKind kind);

// The kind of CTP file `text` is, read from its content; nullopt for a
// recipe (or anything else).
std::optional<ScriptKind> detect_script_kind(std::string_view text);

struct TranslationOptions {
    // --ctp-keyed: CTP's hashing and date functions become deid's keyed
    // pseudonyms (README "Keyed pseudonyms") instead of CTP's own algorithms.
    bool keyed = false;
};

// Compiles one CTP file. `kind` unset: detected from the content (an error
// when it is no CTP file).
ast::Recipe translate_script(std::string_view text, const std::string& file, std::optional<ScriptKind> kind,
                             const ElementDictionary& dictionary, const TranslationOptions& options,
                             Diagnostics& diagnostics);

}  // namespace deid::ctp
