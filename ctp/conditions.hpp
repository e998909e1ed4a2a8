#pragma once

// CTP DicomFilter conditions as deid filter criteria. deid's LABEL is an OR
// of checks, each a left-to-right chain of criteria, so a condition becomes
// its disjunctive normal form: one criterion line per conjunction, negations
// pushed onto the comparisons (contains <-> notcontains, equals <->
// notequals).

#include <functional>
#include <optional>
#include <vector>

#include "grammar/ctp/condition.hpp"
#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid::ctp {

// Where a range of the condition's text stands in the file.
using LocateRange = std::function<SourceSpan(TextRange)>;

// The criterion lines of `condition` (negated when `negate`); nullopt after
// reporting why it cannot be written. An empty vector means "always".
// `always_false` is set when no file can match.
std::optional<std::vector<ast::CriterionLine>> criterion_lines(const Condition& condition, bool negate,
                                                               const ElementDictionary& dictionary,
                                                               const LocateRange& locate, Diagnostics& diagnostics,
                                                               bool& always_false);

}  // namespace deid::ctp
