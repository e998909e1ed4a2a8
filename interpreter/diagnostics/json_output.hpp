#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid {

// Diagnostics for editors and CI: one object per finding with file, line,
// column, end_column, severity, code and message.
nlohmann::json to_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace deid
