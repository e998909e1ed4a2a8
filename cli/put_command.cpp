#include "cli/put_command.hpp"

#include <fstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "cli/run_gate.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"
#include "interpreter/eval/filters.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr int kExitFileFailed = 1;

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
    evaluation.functions = hooks.get();
    if (!options.keep_protected_list) {
        evaluation.protected_tags.clear();
    }

    std::size_t written = 0;
    std::size_t skipped = 0;
    std::size_t failed = 0;
    std::size_t quarantined = 0;
    for (const auto& input : expand_inputs(options.inputs)) {
        const auto target = options.output / input.relative;
        if (std::filesystem::exists(target) && !options.overwrite) {
            err << input.path.string() << ": error: " << target.string() << " exists (use --overwrite)\n";
            ++failed;
            continue;
        }
        auto loaded = load_dicom(input.path);
        if (auto* error = std::get_if<LoadError>(&loaded)) {
            if (error->claims_dicom) {
                err << input.path.string() << ": error: " << error->reason << '\n';
                ++failed;
            } else {
                err << input.path.string() << ": skipped: " << error->reason << '\n';
                ++skipped;
            }
            continue;
        }
        auto& file = *std::get<std::unique_ptr<DcmFileFormat>>(loaded);
        if (is_media_directory(file)) {
            err << input.path.string() << ": skipped: DICOMDIR media directory (rebuild it from the de-identified "
                << "files, e.g. with dcmmkdir)\n";
            ++skipped;
            continue;
        }
        // Filters read the header as it came in, before any action ran.
        const FilterOutcome screening = options.clean_pixels ? screen(*plan, DcmtkDataset(file)) : FilterOutcome{};
        const bool has_regions = std::any_of(screening.matches.begin(), screening.matches.end(),
                                             [](const FilterMatch& m) { return !m.regions.empty(); });
        auto destination = target;
        if (screening.flagged && !has_regions) {
            out << input.path.string() << ": flagged without regions to clean (" << screening.matches.front().group
                << " / " << screening.matches.front().label << ")"
                << (options.skip_flagged ? ": skipped\n" : ": quarantined\n");
            ++quarantined;
            if (options.skip_flagged) {
                continue;
            }
            destination = options.output / "quarantine" / input.relative;
        }
        Variables variables = global_variables;
        if (const auto* entry = entry_for(identifiers, input.path); entry != nullptr && entry->is_object()) {
            add_variables(*entry, variables);
        }
        const bool had_class = has_sop_class_uid(file);
        const bool had_instance = has_sop_instance_uid(file);
        DcmtkDataset dataset(file);
        EvaluationResult result;
        try {
            result = evaluate(*plan, dataset, variables, evaluation);
        } catch (const UserFunctionError& error) {
            // "hooks.lua:7: msg in function f (called from r.deid:12 for (0010,0020) in FILE)"
            std::string message = error.what();
            if (message.ends_with(")")) {
                message.insert(message.size() - 1, " in " + input.path.string());
            }
            err << input.path.string() << ": error: " << message << '\n';
            ++failed;
            continue;
        }
        for (const auto& keyword : drop_orphaned_meta_uids(file, had_class, had_instance)) {
            err << input.path.string() << ": warning: the recipe left " << keyword
                << " without a value; its file-meta copy is emptied too, and the output is no valid DICOM instance\n";
        }
        for (const auto& warning : result.warnings) {
            err << input.path.string() << ": warning: " << (warning.path.empty() ? "" : warning.path + ": ")
                << warning.message << " (" << warning.by.file << ":" << warning.by.line << ")\n";
        }
        if (options.explain && std::filesystem::weakly_canonical(*options.explain) ==
                                   std::filesystem::weakly_canonical(input.path)) {
            explain(input.path, result, out);
        }
        if (screening.flagged && has_regions) {
            const CleanReport report = clean_pixels(file, screening.matches);
            if (!report.error.empty()) {
                err << input.path.string() << ": error: " << report.error << '\n';
                ++failed;
                continue;
            }
            if (!report.note.empty()) {
                err << input.path.string() << ": note: " << report.note << '\n';
            }
        }
        if (const std::string error = save_dicom_atomically(file, destination); !error.empty()) {
            err << input.path.string() << ": error: " << error << '\n';
            ++failed;
            continue;
        }
        ++written;
    }
    err << "deid put: " << written << " written, " << skipped << " skipped, " << failed << " failed";
    if (options.clean_pixels) {
        err << ", " << quarantined << (options.skip_flagged ? " flagged and skipped" : " quarantined");
    }
    err << '\n';
    return failed > 0 ? kExitFileFailed : 0;
}

}  // namespace deid
