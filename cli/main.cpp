// deid: de-identify DICOM files with deid recipes.

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/lint_command.hpp"
#include "cli/run_gate.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

int main(int argc, char** argv) {
    CLI::App app{"deid: de-identify DICOM files with deid recipes"};
    app.set_version_flag("--version", std::string("deid ") + DEID_VERSION);
    app.require_subcommand(1);

    deid::LintOptions lint;
    std::string lint_format = "text";
    auto* lint_command = app.add_subcommand("lint", "check recipes and report every problem, compiler style");
    lint_command->add_option("recipes", lint.recipes, "recipe files to check");
    lint_command->add_flag("--default", lint.with_default_recipe, "also check the bundled default recipe deid.dicom");
    lint_command->add_flag("--combined", lint.combined, "read the recipes as one run, combined in order (spec §7)");
    lint_command->add_option("--format", lint_format, "output format")->check(CLI::IsMember({"text", "json"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? 0 : deid::kExitRecipeError;
    }

    try {
        const auto& dictionary = deid::standard_dictionary();
        if (lint_command->parsed()) {
            if (lint.recipes.empty() && !lint.with_default_recipe) {
                std::cerr << "deid lint: name at least one recipe file (or --default)\n";
                return deid::kExitRecipeError;
            }
            lint.format = lint_format == "json" ? deid::LintFormat::json : deid::LintFormat::text;
            return deid::run_lint(lint, dictionary, std::cout, std::cerr);
        }
    } catch (const std::exception& error) {
        std::cerr << "deid: " << error.what() << '\n';
        return deid::kExitRecipeError;
    }
    return 0;
}
