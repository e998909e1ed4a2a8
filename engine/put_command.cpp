#include "engine/put_command.hpp"

#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/crosswalk.hpp"
#include "engine/flagged_files.hpp"
#include "engine/output_guard.hpp"
#include "engine/output_layout.hpp"
#include "engine/pseudonym_key.hpp"
#include "engine/replaced_identifiers.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/progress.hpp"
#include "engine/run_gate.hpp"
#include "engine/run_report.hpp"
#include "engine/run_variables.hpp"
#include "engine/staged_outputs.hpp"
#include "engine/walk_order_turns.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/character_set.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/io/group_commit.hpp"
#include "runtime/io/staged_file.hpp"
#include "runtime/dicom/unknown_vr.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/lua/lua_hooks.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"
#include "interpreter/eval/filters.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

// Warnings that name a file's own values are all different; past this many
// distinct ones each is just printed, so memory does not grow with the corpus.
constexpr std::size_t kWarningsRemembered = 10'000;

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
    std::vector<CrosswalkPseudonym> pseudonyms;  // for --mapping: the identifiers replaced
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

// The message for a second input that lands on a path this run has written.
std::string already_written(const std::filesystem::path& output, const OutputLayout& layout) {
    if (layout.mirrors()) {
        return output.string() + " was already written by this run from another input";
    }
    return output.string() + " was already written by this run from another input with the same values of the "
                             "layout's elements (--layout " + layout.text() + "; the same instance twice?); it is "
                             "not overwritten";
}

// Everything needed to process one file; shared by all workers (the guard,
// the report and the crosswalk lock what they share).
struct FileProcessor {
    const PutOptions& options;
    const plan::Plan& plan;
    const Variables& global_variables;
    const FileVariables& file_variables;
    const EvaluationOptions& evaluation;
    std::optional<std::filesystem::path> explain_target;  // --explain, canonical
    OutputGuard& guard;
    FileSystem& files;
    const EarlierOutputs& earlier;  // what the report says of earlier runs (--resume)
    bool identifying_values;         // the plan calls clean_text: collect each file's identifying values
    std::int64_t date_shift_days;    // the run's, for shift_date without a key
    const OutputLayout& layout;
    const std::optional<PseudonymKey>& key;  // the run's, if it has one
    Crosswalk* crosswalk;                    // --mapping
    std::uint64_t largest_held_output;       // see largest_held_output()
    WalkOrderTurns& turns;                   // the batch's: layout paths are taken in walk order

    enum class Earlier { absent, complete, redo, refused };

    // --resume: whether an earlier run finished `candidate` for this input
    // (then `result` says so), left something to write again, or nothing.
    Earlier check_resumable(const InputFile& input, const std::filesystem::path& candidate, FileResult& result,
                            std::ostream& err) const {
        std::error_code error;
        if (!std::filesystem::exists(std::filesystem::symlink_status(candidate, error))) {
            return Earlier::absent;
        }
        if (auto refusal = guard.check_target(input, candidate)) {
            result.error = std::move(*refusal);
            return Earlier::refused;
        }
        if (!layout.mirrors()) {
            // A layout path is named by the output's values: an earlier run
            // may have written it for another input (the same instance twice).
            const auto* record = earlier.empty() ? nullptr : earlier.find(candidate);
            if (record != nullptr && !record->written_from(input.path)) {
                result.error = already_written(candidate, layout) + " (by an earlier run, its report says)";
                return Earlier::refused;
            }
            if (const auto owner = crosswalk != nullptr ? crosswalk->input_of(candidate.string()) : std::nullopt;
                owner && *owner != input.path.string()) {
                result.error = already_written(candidate, layout) + " (by an earlier run, for " + *owner +
                               ", the crosswalk says)";
                return Earlier::refused;
            }
        }
        EarlierOutputCheck check = check_earlier_output(candidate, earlier);
        if (check.complete && crosswalk != nullptr) {
            if (check.sha256.empty()) {
                check.sha256 = sha256_of_file(candidate);
            }
            if (!crosswalk->has_entry(input.path.string(), candidate.string(), check.sha256)) {
                check.complete = false;
                check.reason = "has no entry for this input in the crosswalk " + crosswalk->path().string();
            }
        }
        if (!check.complete) {
            err << input.path.string() << ": note: " << candidate.string() << " " << check.reason
                << "; it is written again\n";
            return Earlier::redo;
        }
        if (!guard.claim(candidate)) {
            result.error = already_written(candidate, layout);
            return Earlier::refused;
        }
        result.status = FileStatus::resumed;
        result.output = candidate;
        result.sha256 = check.sha256;
        result.bytes = check.bytes;
        return Earlier::complete;
    }

    // Takes `target` for this input: it must be a path the input may be
    // written to, the run's first claim on it, and new (unless --overwrite,
    // or an earlier run's unfinished output). The reason if not; `exists`
    // says whether a file is there to be replaced.
    std::optional<std::string> take_output(const InputFile& input, const std::filesystem::path& target,
                                           const std::optional<std::filesystem::path>& redo, bool& exists) const {
        if (auto refusal = guard.check_target(input, target)) {
            return refusal;
        }
        if (!guard.claim(target)) {
            return already_written(target, layout);
        }
        std::error_code exists_error;
        exists = std::filesystem::exists(std::filesystem::symlink_status(target, exists_error));
        if (exists && !options.overwrite && redo != target) {
            return target.string() + " exists (use --overwrite to replace it, or --resume to keep finished outputs)";
        }
        return std::nullopt;
    }

    // The file's result; an output is left in `output`, held or written but
    // neither durable nor under its final name yet: run_batch publishes it.
    FileResult process(const InputFile& input, UserFunctions* functions, PatternMemo* memo,
                       std::optional<PendingOutput>& output) const {
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
        // --resume: an output of an earlier run, normal or quarantined. A
        // layout names the output by its values: known after the recipes.
        std::optional<std::filesystem::path> redo;
        if (options.resume && layout.mirrors()) {
            std::vector<std::filesystem::path> candidates = {options.output / input.relative};
            if (options.clean_pixels) {
                candidates.push_back(output_path(options.output, input.relative, PixelVerdict::quarantine));
            }
            for (const auto& candidate : candidates) {
                switch (check_resumable(input, candidate, result, err)) {
                    case Earlier::complete: return finish();
                    case Earlier::refused: return fail(result.error);
                    case Earlier::redo: redo = candidate; break;
                    case Earlier::absent: break;
                }
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
        // Recipes, variables and Lua speak UTF-8; the output says what it holds.
        std::vector<std::string> load_warnings;
        if (const auto conversion = convert_text_to_utf8(file)) {
            load_warnings.push_back(describe(*conversion));
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
        bool exists = false;
        if (layout.mirrors()) {
            result.output = output_path(options.output, input.relative, decision.verdict);
            if (auto refusal = take_output(input, result.output, redo, exists)) {
                return fail(*refusal);
            }
        }
        Variables variables = global_variables;
        if (const auto* own = file_variables.for_input(input.path)) {
            for (const auto& [name, value] : *own) {
                variables.insert_or_assign(name, value);
            }
        }
        const bool had_class = has_sop_class_uid(file);
        const bool had_instance = has_sop_instance_uid(file);
        const std::string_view key_bytes = key ? key->bytes() : std::string_view{};
        FileContext context;
        prepare_file_context(file, options.profile.value_or(Profile{}), identifying_values, key_bytes,
                             date_shift_days, context);
        DcmtkDataset dataset(file);
        std::optional<IdentifierSnapshot> identifiers_before;
        if (crosswalk != nullptr) {
            identifiers_before = take_identifier_snapshot(dataset);
        }
        const std::vector<std::string> layout_before = layout.mirrors() ? std::vector<std::string>{}
                                                                         : layout.values_of(dataset);
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
        std::optional<Profile> applied = options.profile;
        if (applied) {
            applied->clean_pixels = options.clean_pixels;
        }
        for (auto& change : record_method(file, applied ? &*applied : nullptr, key_bytes,
                                          key ? std::string_view(key->fingerprint()) : std::string_view{})) {
            evaluated.changes.push_back(std::move(change));
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
                moved_to_quarantine = true;
                result.status = FileStatus::quarantined;
                out << input.path.string() << ": quarantined: held back by " << why << '\n';
                result.report = out.str();
                if (layout.mirrors()) {  // a layout's path is taken below, under quarantine/
                    result.output = output_path(options.output, input.relative, PixelVerdict::quarantine);
                    if (const auto refusal = guard.check_target(input, result.output)) {
                        return fail(*refusal);
                    }
                    if (!guard.claim(result.output)) {
                        return fail(result.output.string() + " was already written by this run from another input");
                    }
                }
            }
        }
        const PixelVerdict destination = moved_to_quarantine ? PixelVerdict::quarantine : decision.verdict;
        result.changes = evaluated.changes.size();
        result.warnings.insert(result.warnings.end(), load_warnings.begin(), load_warnings.end());
        const bool wrote_beyond_ascii = std::any_of(evaluated.changes.begin(), evaluated.changes.end(), [](const Change& c) {
            return std::any_of(c.after.begin(), c.after.end(), [](const std::string& value) {
                return std::any_of(value.begin(), value.end(), [](char byte) { return (byte & 0x80) != 0; });
            });
        });
        if (declare_utf8_for_written_text(file, wrote_beyond_ascii)) {
            result.warnings.push_back("a value written holds characters beyond ASCII (UTF-8): SpecificCharacterSet "
                                      "is now ISO_IR 192");
        }
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
        if (!layout.mirrors()) {
            const DcmtkDataset written(file);
            const std::vector<std::string> layout_after = layout.values_of(written);
            for (std::size_t i = 0; i < layout_after.size(); ++i) {
                if (!layout_after[i].empty() && layout_after[i] == layout_before[i]) {
                    // Without the value: a warning is printed and reported.
                    result.warnings.push_back("--layout " + layout.text() + ": the recipes leave " +
                                              layout.fields()[i].keyword +
                                              " as it was, so the output path carries its original value");
                }
            }
            result.output = output_path(options.output, layout.path_for(written), destination);
            // Two inputs meet on one path only through their values: the one
            // first in walk order takes it, whichever worker gets there
            // first, so that which one fails is the same for any -j.
            const TurnInWalkOrder turn(turns, input.walk_index);
            if (options.resume) {
                switch (check_resumable(input, result.output, result, err)) {
                    case Earlier::complete: return finish();
                    case Earlier::refused: return fail(result.error);
                    case Earlier::redo: redo = result.output; break;
                    case Earlier::absent: break;
                }
            }
            if (auto refusal = take_output(input, result.output, redo, exists)) {
                return fail(*refusal);
            }
        }
        if (explain_target && input.path.filename() == explain_target->filename() &&
            normalised_path(input.path) == *explain_target) {
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
        if (identifiers_before) {
            result.pseudonyms = replaced_identifiers(*identifiers_before, DcmtkDataset(file), context.report);
        }
        // Moved to quarantine/ by a hold: that path was not checked for an
        // earlier file when the mirrored output was taken.
        std::error_code exists_error;
        const bool target_exists = moved_to_quarantine && layout.mirrors()
                                       ? std::filesystem::exists(std::filesystem::symlink_status(result.output, exists_error))
                                       : exists;
        if (target_exists && !options.overwrite && moved_to_quarantine && layout.mirrors()) {
            return fail(result.output.string() + " exists (use --overwrite to replace it)");
        }
        auto written = stage_or_hold_dicom(file, result.output, files, target_exists, largest_held_output);
        if (const auto* failure = std::get_if<WriteFailure>(&written)) {
            return fail(failure->message);
        }
        output.emplace(std::move(std::get<PendingOutput>(written)));
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

void mark_failed(const InputFile& input, FileResult& result, const std::string& reason) {
    result.status = FileStatus::failed;
    result.error = reason;
    result.messages += input.path.string() + ": error: " + reason + "\n";
}

void publish_failed(const InputFile& input, FileResult& result, const WriteFailure& failure) {
    mark_failed(input, result,
                failure.kind == WriteFailure::Kind::exists
                    ? failure.message + " (created by something else during the run; left as it is)"
                    : failure.message);
}

// Runs the inputs on the workers and prints, in input order, each file's
// messages and the summary. Report lines are written right after each
// output got its final name (by the group committer, or the worker).
int run_batch(const PutOptions& options, const FileProcessor& processor, const InputWalk::Filter& in_this_shard,
              RunReport* report, std::ostream& out, std::ostream& err) {
    InputWalk inputs(options.inputs, in_this_shard);
    std::map<FileStatus, std::size_t> counts;
    Progress progress(err, options.progress, "deid put", progress_total(options.progress, options.inputs, in_this_shard));
    auto make_worker = [&] {
        auto worker = std::make_unique<PutWorker>();
        if (!options.lua_scripts.empty()) {
            worker->hooks = std::make_unique<LuaHooks>(options.lua_scripts, options.lua_data, options.lua_limits,
                                                       worker->lua_log,
                                                       processor.key ? processor.key->bytes() : std::string_view{});
        }
        worker->memo = std::make_unique<PatternMemo>(processor.plan);
        return worker;
    };
    // Once the output has its final name (or has failed to get it): its
    // crosswalk entry, its report line, and its hash if the worker did not
    // take it (an earlier run's output kept by --resume).
    Crosswalk* crosswalk = processor.crosswalk;
    const bool records_hashes = report != nullptr || crosswalk != nullptr;
    auto hash = [](FileResult& result, const std::filesystem::path& written) {
        result.sha256 = sha256_of_file(written);
        std::error_code error;
        result.bytes = std::filesystem::file_size(written, error);
    };
    auto settle = [&](const InputFile& input, FileResult& result) {
        if (records_hashes && has_output(result.status) && result.sha256.empty()) {
            hash(result, result.output);
        }
        // The crosswalk entry first (the output has its final name), then the
        // report line: a line "written" always has its entry.
        if (crosswalk != nullptr && has_output(result.status) && result.status != FileStatus::resumed) {
            const CrosswalkFile entry{input.path.string(), result.output.string(), result.sha256, result.bytes,
                                      std::move(result.pseudonyms)};
            if (const auto error = crosswalk->record(entry)) {
                // An output without its entry would leave the broker unable to
                // re-identify it: it is removed, and the file fails.
                (void)processor.files.remove(result.output);
                mark_failed(input, result, *error);
            }
        }
        if (report != nullptr) {
            if (const auto error = report->append(report_line(input, result))) {
                // An output the report does not list would be taken for
                // unfinished by --resume: it is removed, and the file fails.
                if (has_output(result.status) && result.status != FileStatus::resumed) {
                    (void)processor.files.remove(result.output);
                    if (crosswalk != nullptr) {
                        (void)crosswalk->forget(input.path.string());  // else --resume removes the entry
                    }
                }
                mark_failed(input, result, *error);
            }
        }
    };
    // Outputs are written (if held), made durable (unless --no-fsync) and
    // published by the group committer while the workers go on.
    GroupCommitter committer(CommitSettings{.sync = options.sync});
    auto start = [&](std::unique_ptr<PutWorker>& worker, const InputFile& input, auto complete) {
        FileResult result;
        std::optional<PendingOutput> output;
        try {
            result = processor.process(input, worker->hooks.get(), worker->memo.get(), output);
        } catch (const std::exception& error) {
            output.reset();
            mark_failed(input, result, error.what());
        }
        result.messages = worker->lua_log.str() + result.messages;
        worker->lua_log.str("");
        if (output && records_hashes && has_output(result.status)) {
            // Here, by the worker: the committer is one thread for all.
            if (const auto* held = std::get_if<HeldOutput>(&*output)) {
                result.sha256 = sha256_of_bytes(held->bytes);
                result.bytes = held->bytes.size();
            } else {
                hash(result, std::get<StagedFile>(*output).temporary);
            }
        }
        publish_and_complete(committer, output, std::move(result), complete,
                             [&input, &settle](FileResult& finished, const std::optional<WriteFailure>& failure) {
                                 try {
                                     if (failure) {
                                         publish_failed(input, finished, *failure);
                                     }
                                     settle(input, finished);
                                 } catch (const std::exception& error) {
                                     mark_failed(input, finished, error.what());
                                 }
                             });
    };
    std::map<std::string, std::size_t> warnings_seen;  // text -> files
    std::size_t flagged_and_skipped = 0;
    auto deliver = [&](const InputFile& input, const FileResult& result) {
        ++counts[result.status];
        flagged_and_skipped += result.status == FileStatus::skipped && result.error == "flagged" ? 1 : 0;
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
    const BatchSettings settings{
        .jobs = options.jobs, .read_ahead_bytes = kWholeFileReadAhead, .turns = &processor.turns};
    run_in_parallel_deferred<FileResult>(inputs, settings, make_worker, start, deliver);

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
    summary << '\n';
    if (counts[FileStatus::quarantined] > 0) {
        summary << quarantine_warning("deid put", options.output);
    }
    progress.print(summary.str());
    if (counts[FileStatus::failed] > 0) {
        return kExitFileFailed;
    }
    const bool set_aside = counts[FileStatus::quarantined] > 0 || flagged_and_skipped > 0;
    return set_aside ? kExitSetAside : kExitOk;
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
    const auto parsed_layout =
        OutputLayout::parse(options.layout.value_or(options.profile ? "uid" : "mirror"), dictionary);
    if (const auto* problem = std::get_if<std::string>(&parsed_layout)) {
        err << "deid put: error: " << *problem << '\n';
        return kExitRecipeError;
    }
    const OutputLayout& layout = std::get<OutputLayout>(parsed_layout);
    // The crosswalk holds the originals; the report names every input file,
    // and input names are often the patient's: neither goes among the outputs.
    auto refused = [&](const std::optional<std::filesystem::path>& file, std::string_view what) {
        const auto refusal = file ? guard.check_side_file(*file, what) : std::nullopt;
        if (refusal) {
            err << "deid put: error: " << *refusal << '\n';
        }
        return refusal.has_value();
    };
    if (refused(options.mapping, "the crosswalk") || refused(options.report, "the report")) {
        return kExitRecipeError;
    }
    // The key: given, or needed by the profile (known now) or by the recipes
    // (known once they are compiled).
    std::optional<PseudonymKey> key;
    auto load_key = [&]() -> bool {
        auto loaded = load_run_key(options.key_file);
        if (const auto* problem = std::get_if<std::string>(&loaded)) {
            err << *problem << '\n';
            return false;
        }
        auto& run_key = std::get<LoadedKey>(loaded);
        if (run_key.created) {
            err << "deid put: created the per-user pseudonym key " << run_key.file.string() << " (fingerprint "
                << run_key.key.fingerprint()
                << "): later runs of this user use it, so pseudonyms agree across batches; keep a copy, and for "
                   "several machines give one site key with --key-file (deid keygen FILE)\n";
        }
        key = std::move(run_key.key);
        return true;
    };
    if ((options.profile || options.key_file) && !load_key()) {
        return kExitRecipeError;
    }
    std::unique_ptr<LuaHooks> hooks;
    ResolveOptions resolve_options;
    if (!options.lua_scripts.empty()) {
        try {
            hooks = std::make_unique<LuaHooks>(options.lua_scripts, options.lua_data, options.lua_limits, err,
                                               key ? key->bytes() : std::string_view{});
        } catch (const LuaLoadError& error) {
            err << error.what() << "\ndeid put: the Lua scripts do not load; nothing was processed\n";
            return kExitRecipeError;
        }
        resolve_options.user_functions = hooks->defined_functions();
    }
    auto plan = compile_for_run({options.recipes, options.with_default_recipe, resolve_options,
                                 options.profile ? profile_recipes(*options.profile) : std::vector<std::string>{},
                                 std::nullopt, {}, {options.ctp_scripts, options.ctp_keyed}},
                                dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    if (options.profile && options.clean_pixels) {
        add_default_filters(*plan, dictionary);  // the profiles have no %filter of their own
    }
    if (!key && needs_pseudonym_key(*plan) && !load_key()) {
        return kExitRecipeError;
    }
    Variables global_variables;
    if (options.variables) {
        auto read = read_global_variables(*options.variables);
        if (const auto* error = std::get_if<std::string>(&read)) {
            err << *error << '\n';
            return kExitRecipeError;
        }
        global_variables = std::move(std::get<Variables>(read));
    }
    FileVariables file_variables;
    if (options.identifiers) {
        auto read = FileVariables::read(*options.identifiers);
        if (const auto* error = std::get_if<std::string>(&read)) {
            err << *error << '\n';
            return kExitRecipeError;
        }
        file_variables = std::move(std::get<FileVariables>(read));
    }
    EvaluationOptions evaluation;
    evaluation.remove_private = options.remove_private;
    evaluation.strip_sequences = options.strip_sequences;
    if (!options.keep_protected_list) {
        evaluation.protected_tags.clear();
    }

    InputWalk::Filter in_this_shard;
    if (options.shard) {
        in_this_shard = [shard = *options.shard](const InputFile& input) { return in_shard(input, shard); };
    }
    // Whether a path is a file of this run: an input file, or under an
    // input folder (and in this shard).
    auto in_this_run = [&](const std::filesystem::path& path) {
        const auto wanted = normalised_path(path);
        for (const auto& input : options.inputs) {
            const auto root = normalised_path(input);
            std::error_code error;
            const bool folder = std::filesystem::is_directory(input, error);
            const auto relative = folder ? wanted.lexically_relative(root) : std::filesystem::path(wanted.filename());
            const bool inside = folder ? !relative.empty() && *relative.begin() != ".." : wanted == root;
            if (inside && (!in_this_shard || in_this_shard(InputFile{wanted, relative, {}, {}}))) {
                return true;
            }
        }
        return false;
    };
    std::optional<std::filesystem::path> explain_target;
    if (options.explain) {
        if (!in_this_run(*options.explain)) {
            err << "deid put: error: --explain " << options.explain->string()
                << " names no input file of this run\n";
            return kExitRecipeError;
        }
        explain_target = normalised_path(*options.explain);
    }
    // With a layout, two inputs meet on one path only through their values:
    // the second fails when it gets there (OutputGuard::claim).
    if (const auto collision = layout.mirrors() ? guard.colliding_inputs(in_this_shard) : std::nullopt) {
        err << "deid put: error: " << describe(*collision) << '\n';
        return kExitRecipeError;
    }
    std::unique_ptr<Crosswalk> crosswalk;
    if (options.mapping) {
        std::string error;
        crosswalk = Crosswalk::open(*options.mapping, key ? key->fingerprint() : std::string(kUnkeyed), error);
        if (!crosswalk) {
            err << (error.find(": error: ") == std::string::npos ? "deid put: error: " : "") << error << '\n';
            return kExitRecipeError;
        }
        if (options.resume) {
            // An entry whose output is gone (removed, or never finished).
            const auto forgotten = crosswalk->forget_missing_outputs();
            if (const auto* problem = std::get_if<std::string>(&forgotten)) {
                err << "deid put: error: " << *problem << '\n';
                return kExitRecipeError;
            }
            if (const auto count = std::get<std::size_t>(forgotten); count > 0) {
                err << "deid put: note: " << count << " crosswalk entr" << (count == 1 ? "y" : "ies")
                    << " whose output no longer exists removed\n";
            }
        }
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
    WalkOrderTurns turns;  // of the one batch below
    const FileProcessor processor{options,
                                  *plan,
                                  global_variables,
                                  file_variables,
                                  evaluation,
                                  explain_target,
                                  guard,
                                  files,
                                  earlier,
                                  needs_identifying_values(*plan),
                                  key ? 0 : run_date_shift(),
                                  layout,
                                  key,
                                  crosswalk.get(),
                                  largest_held_output(worker_count(options.jobs)),
                                  turns};
    int status = run_batch(options, processor, in_this_shard, report.get(), out, err);
    if (crosswalk) {
        // The entries are committed; folding the log into the file is tidiness.
        if (const auto problem = crosswalk->checkpoint()) {
            err << "deid put: warning: " << *problem << '\n';
        }
    }
    // Entries of --ids that name no file of the run: their variables went
    // unused (a file that failed or was skipped has its own message).
    for (const auto& key : file_variables.unused([&](const auto& path) { return !in_this_run(path); })) {
        err << options.identifiers->string() << ": warning: the entry '" << key
            << "' names no input of this run (not given, or spelt differently); its variables are not used\n";
    }
    return status;
}

}  // namespace deid
