#include "interpreter/diagnostics/json_output.hpp"

#include <nlohmann/json.hpp>

namespace deid {

nlohmann::json to_json(const std::vector<Diagnostic>& diagnostics) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : diagnostics) {
        out.push_back({{"file", d.span.file},
                       {"line", d.span.line},
                       {"column", d.span.column},
                       {"end_column", d.span.end_column},
                       {"severity", std::string(to_string(d.severity))},
                       {"code", d.code},
                       {"message", d.message}});
    }
    return out;
}

}  // namespace deid
