#include "engine/lint_command.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <sstream>

#include "engine/compile.hpp"
#include "interpreter/diagnostics/github_output.hpp"
#include "interpreter/diagnostics/json_output.hpp"
#include "interpreter/diagnostics/sarif_output.hpp"
#include "engine/script_check.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

// The rules files the inputs stand for: files as given, the recipe files
// and RSNA CTP scripts of folders (sorted, recursive), "-" as itself. The
// CTP scripts found in folders are added to `front_end` (read as such).
std::vector<std::filesystem::path> expand_folders(const std::vector<std::filesystem::path>& inputs,
                                                  FrontEndOptions& front_end) {
    std::vector<std::filesystem::path> recipes;
    for (const auto& input : inputs) {
        std::error_code error;
        if (input == "-" || !std::filesystem::is_directory(input, error)) {
            recipes.push_back(input);
            continue;
        }
        std::vector<std::filesystem::path> found;
        std::filesystem::recursive_directory_iterator it(input, error);
        for (const std::filesystem::recursive_directory_iterator end; !error && it != end; it.increment(error)) {
            const std::string name = it->path().filename().string();
            if (name.starts_with(".")) {
                if (it->is_directory(error)) {
                    it.disable_recursion_pending();
                }
                continue;
            }
            if (!it->is_regular_file(error)) {
                continue;
            }
            if (is_recipe_file_name(name)) {
                found.push_back(it->path());
            } else if (is_ctp_script_name(name)) {
                found.push_back(it->path());
                front_end.ctp_scripts.push_back(it->path());
            }
        }
        if (error) {
            recipes.push_back(input);  // its reading fails with the reason
            continue;
        }
        std::sort(found.begin(), found.end());
        recipes.insert(recipes.end(), found.begin(), found.end());
    }
    return recipes;
}

std::vector<CompileRequest> requests_for(const LintOptions& options, const std::vector<std::filesystem::path>& recipes,
                                         const FrontEndOptions& front_end, const ResolveOptions& resolve,
                                         const std::optional<std::string>& input_text) {
    std::vector<CompileRequest> requests;
    const std::vector<std::string> profile = options.profile ? profile_recipes(*options.profile) : std::vector<std::string>{};
    if (options.combined) {
        requests.push_back({recipes, options.with_default_recipe, resolve, profile, input_text, {}, front_end});
        return requests;
    }
    if (options.profile) {
        requests.push_back({{}, false, resolve, profile});
    }
    if (options.with_default_recipe) {
        requests.push_back({{}, true, resolve});
    }
    for (const auto& recipe : recipes) {
        requests.push_back({{recipe}, false, resolve, {}, input_text, {}, front_end});
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

bool is_recipe_file_name(const std::string& name) {
    return !name.starts_with(".") && (name.starts_with("deid.") || name.ends_with(".deid") ||
                                      name.ends_with(".dicom") || name.find("deid.dicom") != std::string::npos);
}

bool is_ctp_script_name(const std::string& name) {
    return !name.starts_with(".") && name.ends_with(".script") && !is_recipe_file_name(name);
}

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
    FrontEndOptions front_end = options.front_end;
    const auto recipes = expand_folders(options.recipes, front_end);
    std::optional<std::string> input_text;
    if (std::find(recipes.begin(), recipes.end(), "-") != recipes.end()) {
        input_text = options.standard_input != nullptr
                         ? std::string(std::istreambuf_iterator<char>(*options.standard_input), {})
                         : std::string();
    }
    const auto requests = requests_for(options, recipes, front_end, resolve, input_text);
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
        out << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (options.format == LintFormat::sarif) {
        out << to_sarif(findings, DEID_VERSION).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        for (const auto& finding : findings) {
            out << (options.format == LintFormat::github ? format_github(finding) : format_text(finding)) << '\n';
        }
        if (options.profile && options.format == LintFormat::text) {
            out << machinery_note(*options.profile) << '\n';
        }
    }
    const bool too_many_warnings = options.max_warnings && warnings > *options.max_warnings;
    const bool failed = errors > 0 || (options.warnings_are_errors && warnings > 0) || too_many_warnings;
    std::string verdict;
    if (errors == 0 && options.warnings_are_errors && warnings > 0) {
        verdict = " (--werror: warnings fail the lint)";
    } else if (errors == 0 && too_many_warnings) {
        verdict = " (more than --max-warnings " + std::to_string(*options.max_warnings) + ")";
    }
    err << "deid lint: " << plural(errors, "error") << ", " << plural(warnings, "warning") << ", "
        << plural(notes, "note") << " in " << plural(requests.size(), options.combined ? "run" : "recipe") << verdict
        << '\n';
    return failed ? 1 : 0;
}

}  // namespace deid
