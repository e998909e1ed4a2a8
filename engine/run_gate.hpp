#pragma once

#include <optional>
#include <ostream>

#include "engine/compile.hpp"
#include "engine/exit_status.hpp"

namespace deid {


// Every command that runs recipes (get, put, inspect, clean) goes through
// here: the recipes are compiled and linted first; on any lint error the
// diagnostics are printed and no plan is returned (the command exits with
// kExitRecipeError) unless `force` is set, in which case the errors are
// printed as such and the plan of what did bind is returned. Warnings are
// printed and never stop a run; notes are left to `deid lint`.
std::optional<plan::Plan> compile_for_run(const CompileRequest& request, const ElementDictionary& dictionary,
                                          bool force, std::ostream& messages);

}  // namespace deid
