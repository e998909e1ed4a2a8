#include "interpreter/diagnostics/sarif_output.hpp"

#include <array>
#include <map>

#include <nlohmann/json.hpp>

namespace deid {
namespace {

constexpr const char* kSchema = "https://json.schemastore.org/sarif-2.1.0.json";

std::string sarif_level(Severity severity) {
    switch (severity) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "note";
    }
    return "error";
}

}  // namespace

std::string sarif_uri(const std::string& path) {
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    std::string uri = !path.empty() && path.front() == '/' ? "file://" : "";
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
                                byte == '~' || byte == '/';
        if (unreserved) {
            uri += c;
        } else {
            uri += '%';
            uri += kHex[byte >> 4U];
            uri += kHex[byte & 0xFU];
        }
    }
    return uri;
}

nlohmann::json to_sarif(const std::vector<Diagnostic>& diagnostics, const std::string& tool_version) {
    // Rules in order of first appearance, each result pointing at its own.
    std::map<std::string, std::size_t> rule_index;
    nlohmann::json rules = nlohmann::json::array();
    nlohmann::json results = nlohmann::json::array();
    for (const auto& d : diagnostics) {
        const auto [found, inserted] = rule_index.try_emplace(d.code, rules.size());
        if (inserted) {
            rules.push_back({{"id", d.code}, {"name", d.code}, {"shortDescription", {{"text", d.code}}}});
        }
        nlohmann::json physical{{"artifactLocation", {{"uri", sarif_uri(d.span.file)}}}};
        if (d.span.line > 0) {
            nlohmann::json region{{"startLine", d.span.line}, {"startColumn", std::max<std::uint32_t>(1, d.span.column)}};
            if (d.span.end_column > d.span.column) {
                region["endColumn"] = d.span.end_column;  // one past the last byte, as SARIF counts it
            }
            physical["region"] = region;
        }
        results.push_back({{"ruleId", d.code},
                           {"ruleIndex", found->second},
                           {"level", sarif_level(d.severity)},
                           {"message", {{"text", d.message}}},
                           {"locations", nlohmann::json::array({{{"physicalLocation", physical}}})}});
    }
    nlohmann::json driver{{"name", "deid lint"},
                          {"version", tool_version},
                          {"informationUri", "https://github.com/pydicom/deid"},
                          {"rules", rules}};
    return {{"$schema", kSchema},
            {"version", "2.1.0"},
            {"runs", nlohmann::json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
}

}  // namespace deid
