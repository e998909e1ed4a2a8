#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <set>
#include <string>
#include <vector>

#include "interpreter/ast/source_span.hpp"
#include "interpreter/dataset/dataset_view.hpp"
#include "interpreter/eval/selection.hpp"
#include "interpreter/eval/user_functions.hpp"
#include "interpreter/plan/plan.hpp"
#include "stdlib/builtin_context.hpp"

namespace deid {

// A file's variables for `var:` (spec §3.1): its entry of `get`'s output,
// user keys included, and the global variables underneath.
using Variables = std::map<std::string, std::string, std::less<>>;

// Elements no action touches (spec §3.4), by tag at any depth.
std::set<std::uint32_t> default_protected_tags();

struct EvaluationOptions {
    bool remove_private = false;
    bool strip_sequences = false;
    std::set<std::uint32_t> protected_tags = default_protected_tags();  // empty: nothing protected
    UserFunctions* functions = nullptr;  // for func:NAME; without them func: actions warn and are skipped
    PatternMemo* pattern_memo = nullptr;  // a worker's memo for this plan, kept across files (optional)
    const stdlib::BuiltinContext* builtin_context = nullptr;  // the run's and file's, for deid_func: built-ins
};

enum class ChangeKind { added, replaced, blanked, removed };

// One element an action changed, for `explain` and reports.
struct Change {
    std::string path;
    std::string nested_name;
    ChangeKind kind = ChangeKind::replaced;
    std::vector<std::string> before;
    std::vector<std::string> after;
    SourceSpan by;  // the recipe action; empty for remove_private / strip_sequences
};

// Something an action could not do as written; the element is left as the
// spec says and the run goes on.
struct EvaluationWarning {
    std::string path;
    std::string message;
    SourceSpan by;
};

// An action held the whole file back (RSNA CTP's @quarantine() and @skip()):
// the caller writes it to quarantine, or not at all.
struct FileHold {
    enum class Kind { quarantine, skip };
    Kind kind = Kind::quarantine;
    std::string reason;
    SourceSpan by;
};

struct EvaluationResult {
    std::vector<Change> changes;
    std::vector<EvaluationWarning> warnings;
    std::optional<FileHold> hold;  // the first action that held the file back
};

// Runs the plan's %header actions on one dataset (spec §3.5). Throws
// UserFunctionError, its message ending "(called from RECIPE:LINE for PATH)",
// when a user function fails: the file fails.
EvaluationResult evaluate(const plan::Plan& plan, DatasetView& dataset, const Variables& variables,
                          const EvaluationOptions& options);

}  // namespace deid
