#include "engine/lint_command.hpp"

#include <nlohmann/json.hpp>

#include "engine/compile.hpp"
#include "interpreter/diagnostics/json_output.hpp"
#include "engine/script_check.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

std::vector<CompileRequest> requests_for(const LintOptions& options, const ResolveOptions& resolve) {
    std::vector<CompileRequest> requests;
    const std::vector<std::string> profile = options.profile ? profile_recipes(*options.profile) : std::vector<std::string>{};
    if (options.combined) {
        requests.push_back({options.recipes, options.with_default_recipe, resolve, profile, options.front_end});
        return requests;
    }
    if (options.profile) {
        requests.push_back({{}, false, resolve, profile});
    }
    if (options.with_default_recipe) {
        requests.push_back({{}, true, resolve});
    }
    for (const auto& recipe : options.recipes) {
        requests.push_back({{recipe}, false, resolve, {}, options.front_end});
    }
    return requests;
}

// The elements the profile machinery writes after the recipes: they need a
// sequence, which the recipe language cannot write.
std::string machinery_note(const Profile& profile) {
    std::string codes;
    for (const auto& [code, meaning] : method_codes(profile)) {
        codes += (codes.empty() ? "" : ", ") + std::string(code) + " " + std::string(meaning);
    }
    return std::string(kProfileMachinery) + ": note: after the recipes, writes DeidentificationMethod '" +
           join_multi_value(method_description(profile)) + "' and DeidentificationMethodCodeSequence (" + codes + ")";
}

std::string plural(std::size_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

}  // namespace

int run_lint(const LintOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    std::vector<Diagnostic> findings;
    std::size_t errors = 0;
    std::size_t warnings = 0;
    ResolveOptions resolve;
    if (!options.lua_scripts.empty()) {
        resolve.user_functions = functions_defined_by(options.lua_scripts, options.lua_limits, out);
        if (!resolve.user_functions) {
            return 1;
        }
    }
    const auto requests = requests_for(options, resolve);
    for (const auto& request : requests) {
        Compiled compiled = compile(request, dictionary);
        errors += compiled.diagnostics.error_count();
        warnings += compiled.diagnostics.warning_count();
        findings.insert(findings.end(), compiled.diagnostics.all().begin(), compiled.diagnostics.all().end());
    }
    const std::size_t notes = findings.size() - errors - warnings;

    if (options.format == LintFormat::json) {
        nlohmann::json report{{"diagnostics", to_json(findings)}, {"errors", errors}, {"warnings", warnings}, {"notes", notes}};
        if (options.profile) {
            report["profile"] = {{"profile", profile_text(*options.profile)},
                                 {"recipes", profile_recipes(*options.profile)},
                                 {"deidentification_method", method_description(*options.profile)},
                                 {"deidentification_method_codes", nlohmann::json::array()}};
            for (const auto& [code, meaning] : method_codes(*options.profile)) {
                report["profile"]["deidentification_method_codes"].push_back({{"code", code}, {"meaning", meaning}});
            }
        }
        out << report.dump(2) << '\n';
    } else {
        for (const auto& finding : findings) {
            out << format_text(finding) << '\n';
        }
        if (options.profile) {
            out << machinery_note(*options.profile) << '\n';
        }
        err << "deid lint: " << plural(errors, "error") << ", " << plural(warnings, "warning") << ", "
            << plural(notes, "note") << " in " << plural(requests.size(), options.combined ? "run" : "recipe")
            << '\n';
    }
    return errors > 0 ? 1 : 0;
}

}  // namespace deid
