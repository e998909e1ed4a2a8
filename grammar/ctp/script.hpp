#pragma once

// An RSNA CTP anonymizer element script as CTP reads it: the text of one
// `<e>` element, a sequence of literal text and `@function(arguments)` calls;
// `@if`/`@select` carry two clauses and `@append` one, each a script again.
// Positions are byte offsets into the script text; the front end maps them
// to lines and columns of the CTP file.

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace deid::ctp {

struct TextRange {
    std::size_t begin = 0;
    std::size_t end = 0;
};

// One argument as CTP's FnCall reads it: escapes removed, blanks around it
// trimmed, quotes kept (functions strip them where CTP does).
struct Argument {
    std::string text;
    TextRange range;
};

struct Script;

struct Call {
    std::string name;
    TextRange name_range;
    TextRange range;  // from '@' to the closing ')' or '}'
    std::vector<Argument> arguments;
    std::vector<Script> clauses;
};

// Literal text, escapes removed.
struct Text {
    std::string text;
    TextRange range;
};

using Piece = std::variant<Text, Call>;

struct Script {
    std::vector<Piece> pieces;
    TextRange range;
};

struct ScriptError {
    std::string message;
    TextRange range;
};

// Parses a script. The first syntax error ends the parse: the script is
// returned empty and `error` says where and why.
struct ParsedScript {
    Script script;
    std::vector<ScriptError> errors;
};
ParsedScript parse_script(std::string_view text);

// How many clauses CTP reads after a call of this name.
std::size_t clauses_of(std::string_view function);

}  // namespace deid::ctp
