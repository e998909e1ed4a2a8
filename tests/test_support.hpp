#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/parser.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::testing {

inline const std::filesystem::path kSourceDir = DEID_SOURCE_DIR;
inline const std::filesystem::path kSharedDir = DEID_SHARED_DIR;

// "line:col: severity: message" for each diagnostic, in order found; the
// file name is left out so expectations stay short.
inline std::vector<std::string> located(const Diagnostics& diagnostics) {
    std::vector<std::string> out;
    for (const auto& d : diagnostics.all()) {
        out.push_back(std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                      std::string(to_string(d.severity)) + ": " + d.message);
    }
    return out;
}

struct Parsed {
    ast::Recipe recipe;
    Diagnostics diagnostics;
};

inline Parsed parse(std::string_view text) {
    Parsed parsed;
    parsed.recipe = grammar::parse_recipe(text, "test.deid", parsed.diagnostics);
    return parsed;
}

}  // namespace deid::testing
