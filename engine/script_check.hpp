#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "runtime/lua/lua_limits.hpp"

namespace deid {

// For commands that take --lua without running functions (get, inspect,
// lint): loads the scripts once (their top-level chunks under `limits`)
// to prove they load, and returns the names of the functions they define,
// so recipes can be checked against them. nullopt after printing the load
// error.
std::optional<std::set<std::string>> functions_defined_by(const std::vector<std::filesystem::path>& scripts,
                                                          const LuaLimits& limits, std::ostream& err);

}  // namespace deid
