#include "engine/put_command.hpp"

#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "engine/flagged_files.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/progress.hpp"
#include "engine/run_gate.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
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

bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    const auto a = std::filesystem::weakly_canonical(inner);
    const auto b = std::filesystem::weakly_canonical(outer);
    const auto mismatch = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
    return mismatch.first == b.end();
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
    std::string report;    // for standard output (explain, quarantine)
    std::size_t changes = 0;
};

// Everything needed to process one file; shared read-only by all workers.
struct FileProcessor {
    const PutOptions& options;
    const plan::Plan& plan;
    const Variables& global_variables;
    const nlohmann::json& identifiers;
    const EvaluationOptions& evaluation;
    std::optional<std::filesystem::path> explain_target;  // --explain, canonical

    FileResult process(const InputFile& input, UserFunctions* functions, PatternMemo* memo) const {
        FileResult result;
        std::ostringstream err;
        std::ostringstream out;
        auto fail = [&](const std::string& reason) {
            result.status = FileStatus::failed;
            result.error = reason;
            err << input.path.string() << ": error: " << reason << '\n';
        };
        result.output = options.output / input.relative;
        if (!input.problem.empty()) {
            fail(input.problem);
            result.messages = err.str();
            return result;
        }
        if (std::filesystem::exists(result.output)) {
            // Outputs carry their final name only once complete (temp + rename).
            if (options.resume) {
                result.status = FileStatus::resumed;
                return result;
            }
            if (!options.overwrite) {
                fail(result.output.string() + " exists (use --overwrite, or --resume to skip finished files)");
                result.messages = err.str();
                return result;
            }
        }
        auto loaded = load_dicom(input.path);
        if (auto* error = std::get_if<LoadError>(&loaded)) {
            if (error->claims_dicom) {
                fail(error->reason);
            } else {
                result.status = FileStatus::skipped;
                result.error = error->reason;
                err << input.path.string() << ": skipped: " << error->reason << '\n';
            }
            result.messages = err.str();
            return result;
        }
        auto& file = *std::get<std::unique_ptr<DcmFileFormat>>(loaded);
        if (is_media_directory(file)) {
            result.status = FileStatus::skipped;
            result.error = "DICOMDIR media directory";
            err << input.path.string() << ": skipped: DICOMDIR media directory (rebuild it from the de-identified "
                << "files, e.g. with dcmmkdir)\n";
            result.messages = err.str();
            return result;
        }
        // Filters read the header as it came in, before any action ran.
        const FilterOutcome screening = options.clean_pixels ? screen(plan, DcmtkDataset(file)) : FilterOutcome{};
        const ScreeningDecision decision = decide(screening, input.path, options.skip_flagged);
        out << decision.notice;
        result.report = out.str();
        if (decision.verdict == PixelVerdict::skip) {
            result.status = FileStatus::skipped;
            result.error = "flagged";
            return result;
        }
        if (decision.verdict == PixelVerdict::quarantine) {
            result.status = FileStatus::quarantined;
            result.output = output_path(options.output, input.relative, decision.verdict);
        }
        Variables variables = global_variables;
        if (const auto* entry = entry_for(identifiers, input.path); entry != nullptr && entry->is_object()) {
            add_variables(*entry, variables);
        }
        const bool had_class = has_sop_class_uid(file);
        const bool had_instance = has_sop_instance_uid(file);
        DcmtkDataset dataset(file);
        EvaluationOptions file_evaluation = evaluation;
        file_evaluation.functions = functions;
        file_evaluation.pattern_memo = memo;
        EvaluationResult evaluated;
        try {
            evaluated = evaluate(plan, dataset, variables, file_evaluation);
        } catch (const UserFunctionError& error) {
            // "hooks.lua:7: msg in function f (called from r.deid:12 for (0010,0020) in FILE)"
            std::string message = error.what();
            if (message.ends_with(")")) {
                message.insert(message.size() - 1, " in " + input.path.string());
            }
            fail(message);
            result.messages = err.str();
            return result;
        }
        result.changes = evaluated.changes.size();
        for (const auto& keyword : drop_orphaned_meta_uids(file, had_class, had_instance)) {
            result.warnings.push_back("the recipe left " + keyword +
                                      " without a value; its file-meta copy is emptied too, and the output is no "
                                      "valid DICOM instance");
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
                fail(cleaned.error);
                result.messages = err.str();
                return result;
            }
            if (!cleaned.note.empty()) {
                err << input.path.string() << ": note: " << cleaned.note << '\n';
            }
        }
        if (const std::string error = save_dicom_atomically(file, result.output); !error.empty()) {
            fail(error);
        }
        result.messages = err.str();
        return result;
    }
};

std::string sha256_of_file(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
    std::array<char, 1 << 16> buffer{};
    while (stream) {
        stream.read(buffer.data(), buffer.size());
        EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(stream.gcount()));
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest.data(), &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        std::array<char, 3> pair{};
        std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
        hex += pair.data();
    }
    return hex;
}

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

std::string report_line(const InputFile& input, const FileResult& result) {
    return nlohmann::json{{"input", input.path.string()},
                          {"output", has_output(result.status) ? result.output.string() : ""},
                          {"status", status_word(result.status)},
                          {"error", result.error},
                          {"sha256", result.sha256},
                          {"changes", result.changes}}
               .dump() +
           '\n';
}

// Runs the inputs on the workers and prints, in input order, each file's
// messages, the report lines and the summary.
int run_batch(const PutOptions& options, const FileProcessor& processor, std::ostream& out, std::ostream& err) {
    InputWalk::Filter in_this_shard;
    if (options.shard) {
        in_this_shard = [shard = *options.shard](const InputFile& input) { return in_shard(input, shard); };
    }
    InputWalk inputs(options.inputs, in_this_shard);
    std::ofstream report;
    if (options.report) {
        report.open(*options.report, std::ios::app);
        if (!report) {
            err << options.report->string() << ": error: cannot write the report\n";
            return kExitRecipeError;
        }
    }
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
        if (options.report && has_output(result.status)) {
            result.sha256 = sha256_of_file(result.output);
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
        if (report.is_open()) {
            report << report_line(input, result);
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
    if (options.clean_pixels) {
        summary << ", " << counts[FileStatus::quarantined] << " quarantined";
    }
    if (options.resume) {
        summary << ", " << counts[FileStatus::resumed] << " already done";
    }
    progress.print(summary.str() + "\n");
    return counts[FileStatus::failed] > 0 ? kExitFileFailed : 0;
}

}  // namespace

int run_put(const PutOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    for (const auto& input : options.inputs) {
        if (!std::filesystem::exists(input)) {
            err << input.string() << ": error: no such file or folder\n";
            return kExitRecipeError;
        }
        if (std::filesystem::is_directory(input) && is_within(options.output, input)) {
            err << options.output.string() << ": error: the output folder is inside the input folder " << input.string()
                << "; deid never writes into its input\n";
            return kExitRecipeError;
        }
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
    const auto plan = compile_for_run({options.recipes, options.with_default_recipe, resolve_options}, dictionary,
                                      options.force, err);
    if (!plan) {
        return kExitRecipeError;
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
    const FileProcessor processor{options, *plan, global_variables, identifiers, evaluation, explain_target};
    return run_batch(options, processor, out, err);
}

}  // namespace deid
