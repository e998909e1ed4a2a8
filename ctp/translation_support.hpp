#pragma once

// Pieces every CTP translation builds recipe AST nodes from. Each node's
// `text` is exactly what the recipe grammar would read back into the same
// node, so that `deid import-ctp` can print it (recipe_writer) and the
// printed recipe runs as the CTP file does.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/ast/ast.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid::ctp {

// The field a tag is written as: its standard keyword where that names
// exactly this tag, else (GGGG,EEEE).
ast::FieldExpr field_for_tag(std::uint16_t group, std::uint16_t element, const ElementDictionary& dictionary,
                             const SourceSpan& span);

// A filter field: a standard keyword, else 0xGGGGEEEE.
ast::FieldExpr filter_field_for_tag(std::uint16_t group, std::uint16_t element, const ElementDictionary& dictionary,
                                    const SourceSpan& span);

// The element a CTP name stands for (a dcm4che/CTP name, a standard
// keyword, or a tag in any of CTP's forms); nullopt when none.
std::optional<std::pair<std::uint16_t, std::uint16_t>> element_named(std::string_view name,
                                                                     const ElementDictionary& dictionary);

// A literal value, when the recipe language holds `text` as it is.
bool is_plain_literal(std::string_view text);
ast::Value literal_value(const std::string& text, const SourceSpan& span);

struct OptionText {
    std::string key;
    std::string value;  // as the built-in receives it (percent-encoded where needed)
    SourceSpan span;
};
ast::Value builtin_value(const std::string& name, const std::vector<OptionText>& options, const SourceSpan& span);

// An option value as recipe text: quoted when it holds blanks, '#' or
// nothing.
std::string option_token(const std::string& value);

ast::HeaderAction header_action(ast::ActionKind kind, ast::FieldExpr field, std::optional<ast::Value> value,
                                const SourceSpan& span);

std::string hex4(std::uint16_t value);

}  // namespace deid::ctp
