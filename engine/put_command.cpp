#include "engine/put_command.hpp"

#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/flagged_files.hpp"
#include "engine/output_guard.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/progress.hpp"
#include "engine/run_gate.hpp"
#include "engine/run_report.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/dicom/unknown_vr.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/lua/lua_hooks.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"
#include "interpreter/eval/filters.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr int kExitFileFailed = 1;
// Warnings that name a file's own values are all different; past this many
// distinct ones each is just printed, so memory does not grow with the corpus.
constexpr std::size_t kWarningsRemembered = 10'000;

std::string as_variable(const nlohmann::json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_array()) {
        std::string joined;
        for (std::size_t i = 0; i < value.size(); ++i) {
            joined += (i == 0 ? "" : "\\") + as_variable(value[i]);
        }
        return joined;
    }
    return value.dump();
}

std::optional<nlohmann::json> read_json_object(const std::filesystem::path& path, std::string_view what,
                                               std::ostream& err) {
    std::ifstream stream(path);
    if (!stream) {
        err << path.string() << ": error: cannot read " << what << " file\n";
        return std::nullopt;
    }
    auto json = nlohmann::json::parse(stream, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        err << path.string() << ": error: " << what << " must be a JSON object\n";
        return std::nullopt;
    }
    return json;
}

// Adds a JSON object's keys to `variables`: plain values as they are, and
// `get`'s element entries ({"name", "vr", "value"}) by their value.
void add_variables(const nlohmann::json& object, Variables& variables) {
    for (const auto& [name, value] : object.items()) {
        if (value.is_object()) {
            if (value.contains("value")) {
                variables[name] = as_variable(value["value"]);
            }
        } else {
            variables[name] = as_variable(value);
        }
    }
}

// A file's entry in `get`'s output: by the path as given, else by the same file.
const nlohmann::json* entry_for(const nlohmann::json& identifiers, const std::filesystem::path& input) {
    if (const auto found = identifiers.find(input.string()); found != identifiers.end()) {
        return &*found;
    }
    std::error_code error;
    for (const auto& [key, entry] : identifiers.items()) {
        if (std::filesystem::equivalent(key, input, error)) {
            return &entry;
        }
    }
    return nullptr;
}

void explain(const std::filesystem::path& input, const EvaluationResult& result, std::ostream& out) {
    out << "explain " << input.string() << ":\n";
    for (const auto& change : result.changes) {
        out << "  " << change.path << " " << change.nested_name << ": ";
        switch (change.kind) {
            case ChangeKind::added: out << "added '" << join_multi_value(change.after) << "'"; break;
            case ChangeKind::replaced: out << "'" << join_multi_value(change.before) << "' -> '" << join_multi_value(change.after) << "'"; break;
            case ChangeKind::blanked: out << "'" << join_multi_value(change.before) << "' -> blanked"; break;
            case ChangeKind::removed: out << "'" << join_multi_value(change.before) << "' -> removed"; break;
        }
        if (change.by.line > 0) {
            out << "  (" << change.by.file << ":" << change.by.line << ")";
        } else if (!change.by.file.empty()) {
            out << "  (" << change.by.file << ")";
        } else {
            out << "  (--remove-private / --strip-sequences)";
        }
        out << '\n';
    }
}

enum class FileStatus { written, quarantined, skipped, resumed, failed };

std::string_view status_word(FileStatus status) {
    switch (status) {
        case FileStatus::written: return "written";
        case FileStatus::quarantined: return "quarantined";
        case FileStatus::skipped: return "skipped";
        case FileStatus::resumed: return "resumed";
        case FileStatus::failed: return "failed";
    }
    return "";
}

// Whether the input has a complete output file.
bool has_output(FileStatus status) {
    return status == FileStatus::written || status == FileStatus::quarantined || status == FileStatus::resumed;
}

// What happened to one input; messages are gathered per file so that
// parallel workers never interleave a file's lines.
struct FileResult {
    FileStatus status = FileStatus::written;
    std::filesystem::path output;
    std::string error;
    std::string messages;  // for standard error
    // Each once per run with the first file that has it, then counted: a
    // recipe line that warns on every file would otherwise bury the rest.
    std::vector<std::string> warnings;
    std::string sha256;  // of the output, for --report (hashed by the worker)
    std::uintmax_t bytes = 0;
    std::string report;    // for standard output (explain, quarantine)
    std::size_t changes = 0;
};

// Whether an output found by --resume is one this tool finished.
struct EarlierOutputCheck {
    bool complete = false;
    std::string reason;  // why it is written again
    std::string sha256;
    std::uintmax_t bytes = 0;
};

// An output left by an earlier run counts as done only when it is not
// empty and, if the report lists outputs, is listed with this size and
// hash; without a report, when it reads as DICOM to its end.
EarlierOutputCheck check_earlier_output(const std::filesystem::path& output, const EarlierOutputs& earlier) {
    EarlierOutputCheck check;
    std::error_code error;
    check.bytes = std::filesystem::file_size(output, error);
    if (error || check.bytes == 0) {
        check.reason = error ? "cannot be read (" + error.message() + ")" : "is empty";
        return check;
    }
    if (!earlier.empty()) {
        const auto* record = earlier.find(output);
        if (record == nullptr) {
            check.reason = "is not listed as written in the report";
            return check;
        }
        check.sha256 = sha256_of_file(output);
        if (record->bytes != check.bytes || record->sha256 != check.sha256) {
            check.reason = "differs from what the report recorded";
            return check;
        }
        check.complete = true;
        return check;
    }
    if (const auto loaded = load_dicom(output); std::holds_alternative<LoadError>(loaded)) {
        check.reason = "does not read as DICOM (" + std::get<LoadError>(loaded).reason + ")";
        return check;
    }
    check.complete = true;
    return check;
}

// Everything needed to process one file; shared by all workers (the guard
// and the report lock what they share).
struct FileProcessor {
    const PutOptions& options;
    const plan::Plan& plan;
    const Variables& global_variables;
    const nlohmann::json& identifiers;
    const EvaluationOptions& evaluation;
    std::optional<std::filesystem::path> explain_target;  // --explain, canonical
    OutputGuard& guard;
    FileSystem& files;
    const EarlierOutputs& earlier;  // what the report says of earlier runs (--resume)
    bool builtins_read_whole_file;   // the plan calls clean_text or shift_date
    std::int64_t date_shift_days;    // the run's, for shift_date

    FileResult process(const InputFile& input, UserFunctions* functions, PatternMemo* memo) const {
        FileResult result;
        std::ostringstream err;
        std::ostringstream out;
        auto finish = [&] {
            result.messages = err.str();
            return std::move(result);
        };
        auto fail = [&](const std::string& reason) {
            result.status = FileStatus::failed;
            result.error = reason;
            err << input.path.string() << ": error: " << reason << '\n';
            return finish();
        };
        if (!input.problem.empty()) {
            return fail(input.problem);
        }
        if (!input.not_followed.empty()) {
            result.status = FileStatus::skipped;
            result.error = input.not_followed;
            err << input.path.string() << ": skipped: " << input.not_followed << '\n';
            return finish();
        }
        // --resume: an output of an earlier run, normal or quarantined.
        std::optional<std::filesystem::path> redo;
        if (options.resume) {
            std::vector<std::filesystem::path> candidates = {options.output / input.relative};
            if (options.clean_pixels) {
                candidates.push_back(output_path(options.output, input.relative, PixelVerdict::quarantine));
            }
            for (const auto& candidate : candidates) {
                std::error_code error;
                if (!std::filesystem::exists(std::filesystem::symlink_status(candidate, error))) {
                    continue;
                }
                if (const auto refusal = guard.check_target(input, candidate)) {
                    return fail(*refusal);
                }
                const EarlierOutputCheck check = check_earlier_output(candidate, earlier);
                if (!check.complete) {
                    err << input.path.string() << ": note: " << candidate.string() << " " << check.reason
                        << "; it is written again\n";
                    redo = candidate;
                    continue;
                }
                if (!guard.claim(candidate)) {
                    return fail(candidate.string() + " was already written by this run from another input");
                }
                result.status = FileStatus::resumed;
                result.output = candidate;
                result.sha256 = check.sha256;
                result.bytes = check.bytes;
                return finish();
            }
        }
        auto loaded = load_dicom(input.path);
        if (auto* error = std::get_if<LoadError>(&loaded)) {
            if (error->is_failure()) {
                return fail(error->reason);
            }
            result.status = FileStatus::skipped;
            result.error = error->reason;
            err << input.path.string() << ": skipped: " << error->reason << '\n';
            return finish();
        }
        auto& file = *std::get<std::unique_ptr<DcmFileFormat>>(loaded);
        if (is_media_directory(file)) {
            result.status = FileStatus::skipped;
            result.error = "DICOMDIR media directory";
            err << input.path.string() << ": skipped: DICOMDIR media directory (rebuild it from the de-identified "
                << "files, e.g. with dcmmkdir)\n";
            return finish();
        }
        if (options.profile) {
            reinterpret_unknown_text(file);  // a UID stored as UN is still a UID to replace
        }
        // Filters read the header as it came in, before any action ran.
        const FilterOutcome screening = options.clean_pixels ? screen(plan, DcmtkDataset(file)) : FilterOutcome{};
        ScreeningDecision decision = decide(screening, input.path, options.skip_flagged);
        if (options.profile && decision.verdict == PixelVerdict::unchanged && says_burned_in(file)) {
            decision = hold_burned_in(input.path, options.clean_pixels && options.skip_flagged);
        }
        out << decision.notice;
        result.report = out.str();
        if (decision.verdict == PixelVerdict::skip) {
            result.status = FileStatus::skipped;
            result.error = "flagged";
            return finish();
        }
        if (decision.verdict == PixelVerdict::quarantine) {
            result.status = FileStatus::quarantined;
        }
        result.output = output_path(options.output, input.relative, decision.verdict);
        if (const auto refusal = guard.check_target(input, result.output)) {
            return fail(*refusal);
        }
        if (!guard.claim(result.output)) {
            return fail(result.output.string() + " was already written by this run from another input");
        }
        std::error_code exists_error;
        const bool exists = std::filesystem::exists(std::filesystem::symlink_status(result.output, exists_error));
        if (exists && !options.overwrite && redo != result.output) {
            return fail(result.output.string() +
                        " exists (use --overwrite to replace it, or --resume to keep finished outputs)");
        }
        Variables variables = global_variables;
        if (const auto* entry = entry_for(identifiers, input.path); entry != nullptr && entry->is_object()) {
            add_variables(*entry, variables);
        }
        const bool had_class = has_sop_class_uid(file);
        const bool had_instance = has_sop_instance_uid(file);
        FileContext context;
        prepare_file_context(file, options.profile.value_or(Profile{}), builtins_read_whole_file, {}, date_shift_days,
                             context);
        DcmtkDataset dataset(file);
        EvaluationOptions file_evaluation = evaluation;
        file_evaluation.functions = functions;
        file_evaluation.pattern_memo = memo;
        file_evaluation.builtin_context = &context.builtins;
        EvaluationResult evaluated;
        try {
            evaluated = evaluate(plan, dataset, variables, file_evaluation);
        } catch (const UserFunctionError& error) {
            // "hooks.lua:7: msg in function f (called from r.deid:12 for (0010,0020) in FILE)"
            std::string message = error.what();
            if (message.ends_with(")")) {
                message.insert(message.size() - 1, " in " + input.path.string());
            }
            return fail(message);
        }
        if (options.profile) {
            Profile applied = *options.profile;
            applied.clean_pixels = options.clean_pixels;
            for (auto& change : write_method_elements(file, applied)) {
                evaluated.changes.push_back(std::move(change));
            }
            if (auto change = replace_meta_uid_without_dataset_uid(file, applied)) {
                evaluated.changes.push_back(std::move(*change));
            }
        }
        bool moved_to_quarantine = false;
        if (evaluated.hold) {
            // A recipe action held the file back (CTP's @skip(), @quarantine()).
            const std::string why = evaluated.hold->reason + " (" + evaluated.hold->by.file + ":" +
                                    std::to_string(evaluated.hold->by.line) + ")";
            if (evaluated.hold->kind == FileHold::Kind::skip) {
                result.status = FileStatus::skipped;
                result.error = "held back by " + why;
                err << input.path.string() << ": skipped: held back by " << why << '\n';
                return finish();
            }
            if (decision.verdict != PixelVerdict::quarantine) {
                result.output = output_path(options.output, input.relative, PixelVerdict::quarantine);
                if (const auto refusal = guard.check_target(input, result.output)) {
                    return fail(*refusal);
                }
                if (!guard.claim(result.output)) {
                    return fail(result.output.string() + " was already written by this run from another input");
                }
                moved_to_quarantine = true;
                result.status = FileStatus::quarantined;
                out << input.path.string() << ": quarantined: held back by " << why << '\n';
                result.report = out.str();
            }
        }
        result.changes = evaluated.changes.size();
        if (const auto warning = missing_pixel_data(file)) {
            result.warnings.push_back(*warning);
        }
        for (const auto& keyword : drop_orphaned_meta_uids(file, had_class, had_instance)) {
            result.warnings.push_back("the recipe left " + keyword +
                                      " without a value; its file-meta copy is emptied too, and the output is no "
                                      "valid DICOM instance");
        }
        for (const auto& path : drop_illegal_group_elements(file)) {
            result.warnings.push_back(illegal_group_warning(path));
        }
        for (const auto& warning : evaluated.warnings) {
            result.warnings.push_back((warning.path.empty() ? "" : warning.path + ": ") + warning.message + " (" +
                                      warning.by.file + ":" + std::to_string(warning.by.line) + ")");
        }
        if (explain_target && input.path.filename() == explain_target->filename() &&
            std::filesystem::weakly_canonical(input.path) == *explain_target) {
            explain(input.path, evaluated, out);
            result.report = out.str();
        }
        if (decision.verdict == PixelVerdict::clean) {
            const CleanReport cleaned = clean_pixels(file, screening.matches);
            if (!cleaned.error.empty()) {
                return fail(cleaned.error);
            }
            if (!cleaned.note.empty()) {
                err << input.path.string() << ": note: " << cleaned.note << '\n';
            }
        }
        const bool target_exists =
            moved_to_quarantine ? std::filesystem::exists(std::filesystem::symlink_status(result.output, exists_error)) : exists;
        if (target_exists && !options.overwrite && moved_to_quarantine) {
            return fail(result.output.string() + " exists (use --overwrite to replace it)");
        }
        const WriteSettings settings{target_exists, options.sync};
        if (const auto failure = save_dicom_atomically(file, result.output, files, settings)) {
            return fail(failure->kind == WriteFailure::Kind::exists
                            ? failure->message + " (created by something else during the run; left as it is)"
                            : failure->message);
        }
        return finish();
    }
};

// --shard K/N: a deterministic 1/N of the inputs by the hash of their
// relative path (FNV-1a), the same on every machine.
bool in_shard(const InputFile& input, const Shard& shard) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char c : input.relative.generic_string()) {
        hash = (hash ^ c) * 1099511628211ULL;
    }
    return hash % shard.count == shard.index - 1;
}

// Each worker's own state: a Lua state (whose deid.log lines join the
// file's messages) and a memo of the recipe's patterns.
struct PutWorker {
    std::ostringstream lua_log;
    std::unique_ptr<LuaHooks> hooks;
    std::unique_ptr<PatternMemo> memo;
};

ReportLine report_line(const InputFile& input, const FileResult& result) {
    return ReportLine{input.path.string(),
                      has_output(result.status) ? result.output.string() : "",
                      std::string(status_word(result.status)),
                      result.error,
                      result.sha256,
                      result.bytes,
                      result.changes,
                      result.warnings};
}

// Runs the inputs on the workers and prints, in input order, each file's
// messages and the summary. Report lines are written by the workers, each
// right after its output got its final name.
int run_batch(const PutOptions& options, const FileProcessor& processor, const InputWalk::Filter& in_this_shard,
              RunReport* report, std::ostream& out, std::ostream& err) {
    InputWalk inputs(options.inputs, in_this_shard);
    std::map<FileStatus, std::size_t> counts;
    Progress progress(err, options.progress, "deid put", progress_total(options.progress, options.inputs, in_this_shard));
    auto make_worker = [&] {
        auto worker = std::make_unique<PutWorker>();
        if (!options.lua_scripts.empty()) {
            worker->hooks = std::make_unique<LuaHooks>(options.lua_scripts, options.lua_data, options.lua_limits,
                                                       worker->lua_log);
        }
        worker->memo = std::make_unique<PatternMemo>(processor.plan);
        return worker;
    };
    auto process = [&](std::unique_ptr<PutWorker>& worker, const InputFile& input) {
        FileResult result;
        try {
            result = processor.process(input, worker->hooks.get(), worker->memo.get());
        } catch (const std::exception& error) {
            result.status = FileStatus::failed;
            result.error = error.what();
            result.messages = input.path.string() + ": error: " + error.what() + "\n";
        }
        result.messages = worker->lua_log.str() + result.messages;
        worker->lua_log.str("");
        if (report != nullptr) {
            if (has_output(result.status) && result.sha256.empty()) {
                result.sha256 = sha256_of_file(result.output);
                std::error_code error;
                result.bytes = std::filesystem::file_size(result.output, error);
            }
            if (const auto error = report->append(report_line(input, result))) {
                // An output the report does not list would be taken for
                // unfinished by --resume: it is removed, and the file fails.
                if (has_output(result.status) && result.status != FileStatus::resumed) {
                    (void)processor.files.remove(result.output);
                }
                result.status = FileStatus::failed;
                result.error = *error;
                result.messages += input.path.string() + ": error: " + *error + "\n";
            }
        }
        return result;
    };
    std::map<std::string, std::size_t> warnings_seen;  // text -> files
    auto deliver = [&](const InputFile& input, const FileResult& result) {
        ++counts[result.status];
        std::string messages = result.messages;
        for (const auto& warning : result.warnings) {
            const auto seen = warnings_seen.find(warning);
            if (seen != warnings_seen.end()) {
                ++seen->second;
                continue;
            }
            messages += input.path.string() + ": warning: " + warning + "\n";
            if (warnings_seen.size() < kWarningsRemembered) {
                warnings_seen.emplace(warning, 1);
            }
        }
        if (!result.report.empty()) {
            progress.make_room();
            out << result.report << std::flush;
        }
        progress.file_done(messages);
    };
    run_in_parallel(inputs, BatchSettings{options.jobs, kWholeFileReadAhead}, make_worker, process, deliver);

    std::ostringstream summary;
    for (const auto& [warning, files] : warnings_seen) {
        if (files > 1) {
            summary << "deid put: the same warning for " << files - 1 << " more file" << (files > 2 ? "s" : "")
                    << ": " << warning << '\n';
        }
    }
    summary << "deid put: " << counts[FileStatus::written] << " written, " << counts[FileStatus::skipped]
            << " skipped, " << counts[FileStatus::failed] << " failed";
    if (options.clean_pixels || counts[FileStatus::quarantined] > 0) {
        summary << ", " << counts[FileStatus::quarantined] << " quarantined";
    }
    if (options.resume) {
        summary << ", " << counts[FileStatus::resumed] << " already done";
    }
    progress.print(summary.str() + "\n");
    return counts[FileStatus::failed] > 0 ? kExitFileFailed : 0;
}

}  // namespace

int run_put(const PutOptions& given, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    PutOptions options = given;
    if (!options.profile && options.recipes.empty() && !options.with_default_recipe) {
        options.profile = Profile{};
        err << "deid put: no recipe given: using --profile basic (DICOM PS3.15 Basic Application Level "
               "Confidentiality Profile)\n";
    }
    for (const auto& input : options.inputs) {
        std::error_code error;
        if (!std::filesystem::exists(input, error)) {
            err << input.string() << ": error: no such file or folder\n";
            return kExitRecipeError;
        }
    }
    FileSystem& files = options.file_system != nullptr ? *options.file_system : disk();
    OutputGuard guard(options.inputs, options.output, files);
    if (const auto refusal = guard.refusal()) {
        err << "deid put: error: " << *refusal << '\n';
        return kExitRecipeError;
    }
    std::unique_ptr<LuaHooks> hooks;
    ResolveOptions resolve_options;
    if (!options.lua_scripts.empty()) {
        try {
            hooks = std::make_unique<LuaHooks>(options.lua_scripts, options.lua_data, options.lua_limits, err);
        } catch (const LuaLoadError& error) {
            err << error.what() << "\ndeid put: the Lua scripts do not load; nothing was processed\n";
            return kExitRecipeError;
        }
        resolve_options.user_functions = hooks->defined_functions();
    }
    auto plan = compile_for_run({options.recipes, options.with_default_recipe, resolve_options,
                                 options.profile ? profile_recipes(*options.profile) : std::vector<std::string>{},
                                 {options.ctp_scripts, options.ctp_keyed}},
                                dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    if (options.profile && options.clean_pixels) {
        add_default_filters(*plan, dictionary);  // the profiles have no %filter of their own
    }
    Variables global_variables;
    if (options.variables) {
        const auto json = read_json_object(*options.variables, "variables", err);
        if (!json) {
            return kExitRecipeError;
        }
        add_variables(*json, global_variables);
    }
    nlohmann::json identifiers = nlohmann::json::object();
    if (options.identifiers) {
        auto json = read_json_object(*options.identifiers, "identifiers", err);
        if (!json) {
            return kExitRecipeError;
        }
        identifiers = std::move(*json);
    }
    EvaluationOptions evaluation;
    evaluation.remove_private = options.remove_private;
    evaluation.strip_sequences = options.strip_sequences;
    if (!options.keep_protected_list) {
        evaluation.protected_tags.clear();
    }

    std::optional<std::filesystem::path> explain_target;
    if (options.explain) {
        explain_target = std::filesystem::weakly_canonical(*options.explain);
    }
    InputWalk::Filter in_this_shard;
    if (options.shard) {
        in_this_shard = [shard = *options.shard](const InputFile& input) { return in_shard(input, shard); };
    }
    if (const auto collision = guard.colliding_inputs(in_this_shard)) {
        err << "deid put: error: " << describe(*collision) << '\n';
        return kExitRecipeError;
    }
    EarlierOutputs earlier;
    std::unique_ptr<RunReport> report;
    if (options.report) {
        if (options.resume) {
            earlier = EarlierOutputs::read(*options.report);
        }
        std::string error;
        report = RunReport::open(*options.report, files, error);
        if (!report) {
            err << "deid put: error: " << error << '\n';
            return kExitRecipeError;
        }
    }
    const FileProcessor processor{options,
                                  *plan,
                                  global_variables,
                                  identifiers,
                                  evaluation,
                                  explain_target,
                                  guard,
                                  files,
                                  earlier,
                                  needs_file_context(*plan),
                                  run_date_shift({})};
    return run_batch(options, processor, in_this_shard, report.get(), out, err);
}

}  // namespace deid
