#pragma once

// A condition of RSNA CTP's DicomFilter language, as its pixel anonymizer
// signatures `{ ... }` and filter scripts are written:
//
//   Modality.equals("CT") * !ImageType.contains("SAVE") + [0028,0301].equals("YES")
//
// '!' binds tightest, then '*' (and), then '+' (or); parentheses group;
// `//` starts a comment to the end of the line. An operand names an element
// (a dcm4che keyword or [gggg,eeee]) and calls a String method on its value.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grammar/ctp/script.hpp"

namespace deid::ctp {

struct Comparison {
    std::string element;  // as written
    TextRange element_range;
    std::string method;   // equals, containsIgnoreCase, ...
    TextRange method_range;
    std::string value;    // between the quotes
    TextRange value_range;
};

struct Condition {
    enum class Kind { comparison, constant, negation, all_of, any_of };
    Kind kind = Kind::constant;
    bool constant = false;
    Comparison comparison;
    std::vector<Condition> operands;  // negation: one; all_of, any_of: two or more
    TextRange range;
};

struct ParsedCondition {
    std::optional<Condition> condition;
    std::vector<ScriptError> errors;
};

// Parses a whole condition; the first syntax error ends the parse.
ParsedCondition parse_condition(std::string_view text);

}  // namespace deid::ctp
