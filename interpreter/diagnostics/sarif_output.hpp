#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid {

// The findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
// Interchange Format), for code-scanning services: one run of the tool,
// one rule per diagnostic code, one result per finding located in its
// recipe file (a finding about a whole file has no region).
nlohmann::json to_sarif(const std::vector<Diagnostic>& diagnostics, const std::string& tool_version);

// A path as a SARIF/RFC 3986 URI reference: relative paths stay relative
// (to the directory lint ran in), absolute ones become file:// URIs, and
// bytes outside the unreserved set and '/' are percent-encoded.
std::string sarif_uri(const std::string& path);

}  // namespace deid
