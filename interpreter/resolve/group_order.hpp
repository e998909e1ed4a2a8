#pragma once

#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// %fields and %values groups may name each other (`FIELD fields:b`,
// `FIELD values:c`). Orders them so that every group comes after the groups
// it names (Plan::group_order), which is the order a file's groups are
// computed in. A reference that closes a cycle is an error naming the cycle
// (`group 'a' refers to itself: a → b → a`) and is dropped from the plan, so
// even a forced run terminates.
void order_groups(plan::Plan& plan, Diagnostics& diagnostics);

}  // namespace deid
