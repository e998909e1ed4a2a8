// deid: de-identify DICOM files with deid recipes.

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include "engine/clean_command.hpp"
#include "engine/crosswalk.hpp"
#include "engine/get_command.hpp"
#include "engine/import_ctp_command.hpp"
#include "engine/inspect_command.hpp"
#include "engine/lint_command.hpp"
#include "engine/pseudonym_key.hpp"
#include "engine/put_command.hpp"
#include "engine/run_gate.hpp"
#include "engine/verify_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

namespace {

// The limits of each Lua call, and of each script's top-level chunk.
void add_lua_limit_options(CLI::App* command, deid::LuaLimits& limits) {
    command->add_option("--lua-timeout", limits.seconds, "wall-clock limit per Lua call, seconds (default 5)")
        ->check([](const std::string& text) -> std::string {
            char* end = nullptr;
            const double seconds = std::strtod(text.c_str(), &end);
            return *end == '\0' && seconds > 0 && std::isfinite(seconds) ? "" : "expected a number of seconds above 0";
        });
    command->add_option("--lua-instructions", limits.instructions, "instruction budget per Lua call (default 10000000)");
    command->add_option_function<std::size_t>(
        "--lua-memory", [&limits](std::size_t mib) { limits.memory_bytes = mib << 20U; },
        "memory cap of the Lua state, MiB (default 64)");
}

// --ctp FILE: an RSNA CTP script, run where a recipe is (after the -r
// recipes); --ctp-keyed: its hashing and date functions keyed (README,
// "Keyed pseudonyms").
void add_ctp_options(CLI::App* command, std::vector<std::filesystem::path>& recipes,
                     std::vector<std::filesystem::path>& ctp_scripts, bool& keyed) {
    command->add_option_function<std::vector<std::filesystem::path>>(
        "--ctp",
        [&recipes, &ctp_scripts](const std::vector<std::filesystem::path>& scripts) {
            recipes.insert(recipes.end(), scripts.begin(), scripts.end());
            ctp_scripts.insert(ctp_scripts.end(), scripts.begin(), scripts.end());
        },
        "RSNA CTP anonymizer, pixel anonymizer or filter script, read as a recipe (repeatable)");
    command->add_flag("--ctp-keyed", keyed,
                      "CTP's hashing and date functions as keyed pseudonyms (deid_func:hash_uid, hash_id, shift_date)");
}

// More workers than this is a typo, refused before any work (threads
// beyond the system's limit would fail only after the walk).
constexpr unsigned kMostJobs = 4096;

void add_jobs_option(CLI::App* command, unsigned& jobs) {
    command->add_option("-j,--jobs", jobs, "worker threads (default: one per core; at most 4096)")
        ->check(CLI::Range(0U, kMostJobs));
}

const char* const kExitStatusHelp =
    "Exit status: 0 all done; 1 some file failed (the others were done), or lint found errors; 2 usage or "
    "recipe error, nothing done; 3 files quarantined or skipped as flagged (put, clean), or flagged by a "
    "--fail-on group (inspect); 4 verify found identifying values.\n";

// What every command that runs recipes over files takes.
template <typename Options>
void add_run_options(CLI::App* command, Options& options, const std::string& recipe_help) {
    command->add_option("inputs", options.inputs, "DICOM files and folders (recursive)")->required();
    command->add_option("-r,--recipe", options.recipes, recipe_help);
    command->add_flag("--default", options.with_default_recipe, "use the bundled default recipe deid.dicom first");
    command->add_flag("--force", options.force, "run even if the recipe has lint errors");
    add_jobs_option(command, options.jobs);
    add_ctp_options(command, options.recipes, options.ctp_scripts, options.ctp_keyed);
    if constexpr (requires { options.lua_scripts; }) {
        command->add_option("--lua", options.lua_scripts, "Lua scripts defining the func:NAME functions (repeatable)");
        add_lua_limit_options(command, options.lua_limits);
    }
}

const std::string kProfileHelp =
    "PS3.15 confidentiality profile: basic[,option...] (options: retain-uids, retain-device-identity, "
    "retain-institution-identity, retain-patient-characteristics, retain-long-full-dates, "
    "retain-long-modified-dates, clean-descriptors, clean-structured-content, clean-graphics)";

// --profile's text as a profile; a usage error otherwise.
std::optional<deid::Profile> profile_of(const std::string& text, const std::string& command) {
    auto parsed = deid::parse_profile(text);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << "deid " << command << ": " << *error << '\n';
        return std::nullopt;
    }
    return std::get<deid::Profile>(std::move(parsed));
}

// A bar on a terminal, plain lines in logs and pipes.
deid::ProgressStyle progress_style(bool quiet) {
    if (quiet) {
        return deid::ProgressStyle::none;
    }
    return isatty(STDERR_FILENO) != 0 ? deid::ProgressStyle::bar : deid::ProgressStyle::lines;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"deid: de-identify DICOM files with deid recipes", "deid"};
    app.footer(kExitStatusHelp);
    app.set_version_flag("--version", std::string("deid ") + DEID_VERSION);
    app.require_subcommand(1);

    deid::LintOptions lint;
    std::string lint_format = "text";
    auto* lint_command = app.add_subcommand("lint", "check recipes and report every problem, compiler style");
    lint_command->add_option("recipes", lint.recipes,
                             "recipe files to check; a folder: its recipe files (deid.*, *.deid, *.dicom) and CTP scripts "
                             "(*.script); - : standard input");
    lint_command->add_flag("--default", lint.with_default_recipe, "also check the bundled default recipe deid.dicom");
    lint_command->add_flag("--combined", lint.combined, "read the recipes as one run, combined in order (spec §7)");
    lint_command->add_option("--format", lint_format, "output format: text, json, sarif (SARIF 2.1.0), github (annotations)")
        ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
    lint_command->add_flag("--werror", lint.warnings_are_errors, "warnings fail the lint (exit status 1)");
    lint_command->add_option("--max-warnings", lint.max_warnings, "more warnings than this fail the lint (exit status 1)");
    lint_command->add_option("--lua", lint.lua_scripts, "Lua scripts: func: names they do not define are errors");
    std::string lint_profile;
    lint_command->add_option("--profile", lint_profile, kProfileHelp);
    add_lua_limit_options(lint_command, lint.lua_limits);
    add_ctp_options(lint_command, lint.recipes, lint.front_end.ctp_scripts, lint.front_end.ctp_keyed);

    deid::ImportCtpOptions import_ctp;
    auto* import_ctp_command =
        app.add_subcommand("import-ctp", "write RSNA CTP scripts as one recipe, each line naming the CTP line it came from");
    import_ctp_command->add_option("scripts", import_ctp.scripts, "CTP anonymizer, pixel anonymizer and filter scripts")
        ->required();
    import_ctp_command->add_option("-o,--output", import_ctp.output, "the recipe to write")->required();
    import_ctp_command->add_option("--lua", import_ctp.lua, "Lua hooks for what the recipe language cannot say");
    import_ctp_command->add_flag("--ctp-keyed", import_ctp.keyed,
                                 "CTP's hashing and date functions as keyed pseudonyms (deid_func:hash_uid, hash_id, "
                                 "shift_date)");
    import_ctp_command->add_flag("--overwrite", import_ctp.overwrite, "replace an existing output (never a script)");

    deid::PutOptions put;
    bool no_default_skip = false;
    auto* put_command = app.add_subcommand("put", "write de-identified copies of DICOM files");
    add_run_options(put_command, put, "recipe files, combined in order (after --profile)");
    std::string put_profile;
    put_command->add_option("--profile", put_profile, kProfileHelp + " (the default without --recipe or --default)");
    put_command->add_option("-o,--output", put.output, "output folder (never inside an input folder)")->required();
    put_command->add_option("--vars", put.variables, "JSON object of variables for var: in every file");
    put_command->add_option("--ids", put.identifiers, "identifiers from 'deid get' (edited): per-file variables");
    put_command->add_flag("--remove-private", put.remove_private, "remove all private elements first");
    put_command->add_flag("--strip-sequences", put.strip_sequences, "remove all sequences first");
    put_command->add_flag("--resume", put.resume, "skip inputs whose output is already complete");
    std::string shard;
    put_command->add_option("--shard", shard, "process shard K of N (K/N): a deterministic 1/N of the inputs")
        ->check([](const std::string& text) -> std::string {
            std::size_t k = 0, n = 0;
            char slash = 0;
            std::istringstream in(text);
            return (in >> k >> slash >> n) && slash == '/' && k >= 1 && k <= n && in.eof() ? "" : "expected K/N, 1 <= K <= N";
        });
    put_command->add_option("--report", put.report, "append one JSON line per input to this file");
    bool quiet = false;
    put_command->add_flag("-q,--quiet", quiet, "no progress display");
    put_command->add_flag("--clean-pixels", put.clean_pixels,
                          "also black out burned-in text of files the filters flag (on the original header)");
    put_command->add_flag("--skip-flagged", put.skip_flagged,
                          "with --clean-pixels: skip files flagged without regions instead of quarantining them");
    put_command->add_flag("--no-default-skip", no_default_skip,
                          "let actions touch the protected elements (PixelData, TransferSyntaxUID, ...)");
    put_command->add_flag("--overwrite", put.overwrite, "replace existing output files (never an input)");
    bool put_no_fsync = false;
    put_command->add_flag("--no-fsync", put_no_fsync,
                          "do not wait for each output to reach the disk before it gets its final name");
    put_command->add_option("--explain", put.explain, "print every change made to this input file and why");
    put_command->add_option("--lua-data", put.lua_data, "files the scripts may read with deid.csv (repeatable)");
    put_command->add_option("--key-file", put.key_file,
                            "the site's pseudonym key (deid keygen FILE); default in profile mode: the per-user key");
    put_command->add_option("--layout", put.layout,
                            "output paths: mirror, uid ({PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/"
                            "{SOPInstanceUID}.dcm) or a template of output elements (default: uid with a profile, "
                            "mirror with recipes)");
    put_command->add_option("--mapping", put.mapping,
                            "the crosswalk for the honest broker (SQLite, never inside OUTDIR): per input, its output "
                            "and every replaced identifier, original -> pseudonym");

    deid::GetOptions get;
    auto* get_command = app.add_subcommand("get", "print every element of DICOM files as JSON, keyed by path id");
    add_run_options(get_command, get, "recipes to lint first");
    get_command->add_option("-o,--output", get.output, "write the JSON here instead of standard output");
    get_command->add_flag("-q,--quiet", quiet, "no progress display");

    deid::InspectOptions inspect;
    std::string inspect_format = "table";
    auto* inspect_command = app.add_subcommand("inspect", "screen DICOM files with the recipes' %filter groups");
    add_run_options(inspect_command, inspect, "recipes (default: the bundled deid.dicom)");
    inspect_command->add_flag("-q,--quiet", quiet, "no progress display");
    inspect_command->add_option("--fail-on", inspect.fail_on,
                                "exit status 3 when a file is flagged by a LABEL of these %filter groups (e.g. blacklist)");
    inspect_command->add_option("--format", inspect_format, "output format")
        ->check(CLI::IsMember({"table", "json", "csv"}));

    deid::CleanOptions clean;
    auto* clean_command = app.add_subcommand("clean", "black out burned-in text in the regions the filters name");
    add_run_options(clean_command, clean, "recipes (default: the bundled deid.dicom)");
    clean_command->add_option("-o,--output", clean.output, "output folder")->required();
    clean_command->add_flag("-q,--quiet", quiet, "no progress display");
    clean_command->add_flag("--overwrite", clean.overwrite, "replace existing output files (never an input)");
    bool clean_no_fsync = false;
    clean_command->add_flag("--no-fsync", clean_no_fsync,
                            "do not wait for each output to reach the disk before it gets its final name");
    clean_command->add_flag("--skip-flagged", clean.skip_flagged,
                            "skip files flagged without regions instead of writing them to quarantine/");
    clean_command->add_option("--png", clean.png_folder,
                              "write a before/after PNG preview of each cleaned file into this folder (not inside "
                              "the output folder: it shows the original text)");

    deid::VerifyOptions verify;
    std::string verify_format = "text";
    std::string verify_profile;
    auto* verify_command =
        app.add_subcommand("verify", "find identity that survived: search outputs for their inputs' identifying values");
    verify_command->add_option("inputs", verify.inputs, "the originals (files and folders as given to put), or one "
                                                        "output folder to check alone")
        ->required(false);
    verify_command->add_option("-o,--output", verify.output, "the output folder: outputs pair with inputs by relative path");
    verify_command->add_option("--report", verify.report, "put --report file: its input/output pairs");
    verify_command->add_option("--mapping", verify.mapping, "put --mapping crosswalk: its input/output pairs");
    verify_command->add_option("--profile", verify_profile,
                               kProfileHelp + " (default: what each output's DeidentificationMethodCodeSequence says)");
    verify_command->add_option("--format", verify_format, "output format")->check(CLI::IsMember({"text", "json"}));
    add_jobs_option(verify_command, verify.jobs);
    verify_command->add_flag("-q,--quiet", quiet, "no progress display");

    std::string help_topic;
    auto* help_command = app.add_subcommand("help", "show the help of deid or of one command (deid help put)");
    help_command->add_option("command", help_topic, "the command");

    std::filesystem::path key_file;
    auto* keygen_command = app.add_subcommand("keygen", "write a new random pseudonym key (256 bits, mode 0600)");
    keygen_command->add_option("file", key_file, "the key file to create (never replaced)")->required();

    auto* mapping_command = app.add_subcommand("mapping", "read and merge crosswalks (put --mapping)");
    mapping_command->require_subcommand(1);
    std::filesystem::path mapping_file;
    std::string lookup_pseudonym;
    std::string lookup_original;
    auto* lookup_command = mapping_command->add_subcommand("lookup", "the originals of a pseudonym, or the reverse");
    lookup_command->add_option("file", mapping_file, "the crosswalk")->required();
    auto* by_pseudonym = lookup_command->add_option("--pseudonym", lookup_pseudonym, "find the original of this pseudonym");
    auto* by_original = lookup_command->add_option("--original", lookup_original, "find the pseudonym of this original");
    by_pseudonym->excludes(by_original);
    auto* export_command = mapping_command->add_subcommand("export", "print the crosswalk as CSV");
    export_command->add_option("file", mapping_file, "the crosswalk")->required();
    bool export_csv = true;
    export_command->add_flag("--csv", export_csv, "CSV (the only format)");
    std::filesystem::path merged_file;
    std::vector<std::filesystem::path> merged_inputs;
    auto* merge_command = mapping_command->add_subcommand("merge", "union crosswalks (of --shard runs) into a new one");
    merge_command->add_option("out", merged_file, "the crosswalk to create")->required();
    merge_command->add_option("inputs", merged_inputs, "the crosswalks to merge")->required();

    // DCMTK's own log lines ("W: DcmItem: Length of element ... is odd") name
    // no file and interleave between workers; deid reports per file instead.
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? 0 : deid::kExitRecipeError;
    }

    if (help_command->parsed()) {
        if (help_topic.empty()) {
            std::cout << app.help();
            return 0;
        }
        try {
            std::cout << app.get_subcommand(help_topic)->help(app.get_name());
            return 0;
        } catch (const CLI::OptionNotFound&) {
            std::cerr << "deid help: no command '" << help_topic << "' (deid help lists them)\n";
            return deid::kExitRecipeError;
        }
    }

    try {
        const auto& dictionary = deid::standard_dictionary();
        if (lint_command->parsed()) {
            if (lint.recipes.empty() && !lint.with_default_recipe && lint_profile.empty()) {
                std::cerr << "deid lint: name at least one recipe file (or --default, or --profile)\n";
                return deid::kExitRecipeError;
            }
            if (!lint_profile.empty() && !(lint.profile = profile_of(lint_profile, "lint"))) {
                return deid::kExitRecipeError;
            }
            lint.format = lint_format == "json"    ? deid::LintFormat::json
                          : lint_format == "sarif"  ? deid::LintFormat::sarif
                          : lint_format == "github" ? deid::LintFormat::github
                                                    : deid::LintFormat::text;
            lint.standard_input = &std::cin;
            return deid::run_lint(lint, dictionary, std::cout, std::cerr);
        }
        if (import_ctp_command->parsed()) {
            return deid::run_import_ctp(import_ctp, dictionary, std::cout, std::cerr);
        }
        if (clean_command->parsed()) {
            clean.progress = progress_style(quiet);
            clean.sync = !clean_no_fsync;
            return deid::run_clean(clean, dictionary, std::cout, std::cerr);
        }
        if (inspect_command->parsed()) {
            inspect.format = inspect_format == "json"  ? deid::InspectFormat::json
                             : inspect_format == "csv" ? deid::InspectFormat::csv
                                                       : deid::InspectFormat::table;
            inspect.progress = progress_style(quiet);
            return deid::run_inspect(inspect, dictionary, std::cout, std::cerr);
        }
        if (get_command->parsed()) {
            get.progress = progress_style(quiet);
            return deid::run_get(get, dictionary, std::cout, std::cerr);
        }
        if (put_command->parsed()) {
            if (!put_profile.empty() && put.with_default_recipe) {
                std::cerr << "deid put: --default and --profile are two different header recipes; use one\n";
                return deid::kExitRecipeError;
            }
            if (!put_profile.empty() && !(put.profile = profile_of(put_profile, "put"))) {
                return deid::kExitRecipeError;
            }
            put.keep_protected_list = !no_default_skip;
            put.progress = progress_style(quiet);
            put.sync = !put_no_fsync;
            if (!shard.empty()) {
                const auto slash = shard.find('/');
                put.shard = deid::Shard{std::stoul(shard.substr(0, slash)), std::stoul(shard.substr(slash + 1))};
            }
            return deid::run_put(put, dictionary, std::cout, std::cerr);
        }
        if (keygen_command->parsed()) {
            return deid::run_keygen(key_file, std::cout, std::cerr);
        }
        if (lookup_command->parsed()) {
            if (by_pseudonym->count() + by_original->count() != 1) {
                std::cerr << "deid mapping lookup: give --pseudonym VALUE or --original VALUE\n";
                return deid::kExitRecipeError;
            }
            return by_pseudonym->count() > 0
                       ? deid::run_mapping_lookup(mapping_file, deid::LookupBy::pseudonym, lookup_pseudonym, std::cout,
                                                  std::cerr)
                       : deid::run_mapping_lookup(mapping_file, deid::LookupBy::original, lookup_original, std::cout,
                                                  std::cerr);
        }
        if (export_command->parsed()) {
            return deid::run_mapping_export(mapping_file, std::cout, std::cerr);
        }
        if (merge_command->parsed()) {
            return deid::run_mapping_merge(merged_file, merged_inputs, std::cout, std::cerr);
        }
        if (verify_command->parsed()) {
            if (!verify_profile.empty() && !(verify.profile = profile_of(verify_profile, "verify"))) {
                return deid::kExitRecipeError;
            }
            verify.format = verify_format == "json" ? deid::VerifyFormat::json : deid::VerifyFormat::text;
            verify.progress = progress_style(quiet);
            return deid::run_verify(verify, std::cout, std::cerr);
        }
    } catch (const std::exception& error) {
        std::cerr << "deid: " << error.what() << '\n';
        return deid::kExitRecipeError;
    }
    return 0;
}
