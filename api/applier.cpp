// deid::api::Applier: one dataset at a time, what `deid put` does to each
// file (engine/put_command.cpp), without the batch around it.

#include <sstream>
#include <utility>
#include <variant>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "api/recipe_state.hpp"
#include "deid/deid.hpp"
#include "engine/flagged_files.hpp"
#include "engine/profiles.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "interpreter/eval/filters.hpp"
#include "interpreter/eval/selection.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/dicom/unknown_vr.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/lua/lua_hooks.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"

namespace deid::api {
namespace {

// How a dataset without a file name is named in messages.
constexpr std::string_view kInMemory = "<dataset>";

ChangeKind public_kind(deid::ChangeKind kind) {
    switch (kind) {
        case deid::ChangeKind::added: return ChangeKind::added;
        case deid::ChangeKind::replaced: return ChangeKind::replaced;
        case deid::ChangeKind::blanked: return ChangeKind::blanked;
        case deid::ChangeKind::removed: return ChangeKind::removed;
    }
    return ChangeKind::replaced;
}

Change public_change(deid::Change change) {
    return {std::move(change.path),   std::move(change.nested_name), public_kind(change.kind),
            std::move(change.before), std::move(change.after),       std::move(change.by.file),
            change.by.line};
}

// The reason inside a screening notice ("NAME: why (group / label): quarantined").
std::string held_back_reason(std::string notice, const std::filesystem::path& name) {
    const std::string prefix = name.string() + ": ";
    if (notice.starts_with(prefix)) {
        notice.erase(0, prefix.size());
    }
    while (!notice.empty() && notice.back() == '\n') {
        notice.pop_back();
    }
    if (constexpr std::string_view suffix = ": quarantined"; notice.ends_with(suffix)) {
        notice.resize(notice.size() - suffix.size());
    }
    return notice;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(std::move(line));
    }
    return lines;
}

Error load_error(const LoadError& error, const std::filesystem::path& input) {
    const std::string message = input.string() + ": " + error.reason;
    switch (error.kind) {
        case LoadError::Kind::not_dicom: return {Error::Kind::not_dicom, message};
        case LoadError::Kind::broken: return {Error::Kind::broken, message};
        case LoadError::Kind::unreadable: return {Error::Kind::unreadable, message};
    }
    return {Error::Kind::broken, message};
}

// Lends `dataset` to a file format for one call: DcmFileFormat takes
// ownership of a dataset given without a copy, so it is taken back (and its
// parent restored) however the call ends.
class BorrowedDataset {
public:
    explicit BorrowedDataset(DcmDataset& dataset)
        : parent_(dataset.getParent()), file_(&dataset, OFFalse) {}
    ~BorrowedDataset() {
        DcmDataset* dataset = file_.getAndRemoveDataset();
        dataset->setParent(parent_);
    }
    BorrowedDataset(const BorrowedDataset&) = delete;
    BorrowedDataset& operator=(const BorrowedDataset&) = delete;
    DcmFileFormat& file() { return file_; }

private:
    DcmObject* parent_;
    DcmFileFormat file_;
};

}  // namespace

struct Applier::State {
    explicit State(Recipe given) : recipe(std::move(given)), memo(recipe.state_->plan) {
        const Recipe::State& run = *recipe.state_;
        if (!run.lua_scripts.empty()) {
            try {
                hooks = std::make_unique<LuaHooks>(run.lua_scripts, run.lua_data, run.lua_limits, lua_log);
            } catch (const LuaLoadError& error) {
                throw Error(Error::Kind::user_function, error.what());
            }
            lua_log.str("");  // what the scripts logged while loading was said at compile()
        }
    }

    Outcome apply(DcmFileFormat& file, const Variables& variables, const std::filesystem::path& name);

    Recipe recipe;
    std::ostringstream lua_log;  // before `hooks`, which writes to it
    std::unique_ptr<LuaHooks> hooks;
    PatternMemo memo;
};

Outcome Applier::State::apply(DcmFileFormat& file, const Variables& variables, const std::filesystem::path& name) {
    const Recipe::State& run = *recipe.state_;
    lua_log.str("");
    Outcome outcome;
    if (run.profile) {
        reinterpret_unknown_text(file);  // a UID stored as UN is still a UID to replace
    }
    // Filters read the header as it came in, before any action ran.
    const FilterOutcome screening = run.clean_pixels ? screen(run.plan, DcmtkDataset(file)) : FilterOutcome{};
    ScreeningDecision decision = decide(screening, name, false);
    if (run.profile && decision.verdict == PixelVerdict::unchanged && says_burned_in(file)) {
        decision = hold_burned_in(name, false);
    }
    if (decision.verdict != PixelVerdict::unchanged && decision.verdict != PixelVerdict::clean) {
        outcome.held_back = held_back_reason(decision.notice, name);
    }
    const bool had_class = has_sop_class_uid(file);
    const bool had_instance = has_sop_instance_uid(file);
    FileContext context;
    const std::string_view key_bytes = run.key ? run.key->bytes() : std::string_view{};
    prepare_file_context(file, run.profile.value_or(Profile{}), run.needs_file_context, key_bytes, run.date_shift_days,
                         context);
    DcmtkDataset dataset(file);
    EvaluationOptions evaluation = run.evaluation;
    evaluation.functions = hooks.get();
    evaluation.pattern_memo = &memo;
    evaluation.builtin_context = &context.builtins;
    EvaluationResult evaluated;
    try {
        evaluated = evaluate(run.plan, dataset, variables, evaluation);
    } catch (const UserFunctionError& error) {
        std::string message = error.what();
        if (message.ends_with(")")) {  // "... (called from r.deid:12 for (0010,0020) in NAME)"
            message.insert(message.size() - 1, " in " + name.string());
        }
        throw Error(Error::Kind::user_function, message);
    }
    for (auto& change : record_method(file, run.profile ? &*run.profile : nullptr, key_bytes,
                                      run.key ? std::string_view(run.key->fingerprint()) : std::string_view{})) {
        evaluated.changes.push_back(std::move(change));
    }
    for (auto& change : evaluated.changes) {
        outcome.changes.push_back(public_change(std::move(change)));
    }
    for (auto& warning : evaluated.warnings) {
        outcome.warnings.push_back(
            {std::move(warning.path), std::move(warning.message), std::move(warning.by.file), warning.by.line});
    }
    if (const auto warning = missing_pixel_data(file)) {
        outcome.warnings.push_back({"", *warning, "", 0});
    }
    for (const auto& keyword : drop_orphaned_meta_uids(file, had_class, had_instance)) {
        outcome.warnings.push_back({"",
                                    "the recipe left " + keyword +
                                        " without a value; its file-meta copy is emptied too, and the output is no "
                                        "valid DICOM instance",
                                    "", 0});
    }
    for (const auto& path : drop_illegal_group_elements(file)) {
        std::string message = illegal_group_warning(path);
        if (message.starts_with(path + ": ")) {  // the path is a field of its own here
            message.erase(0, path.size() + 2);
        }
        outcome.warnings.push_back({path, std::move(message), "", 0});
    }
    if (decision.verdict == PixelVerdict::clean) {
        const CleanReport cleaned = clean_pixels(file, screening.matches);
        if (!cleaned.error.empty()) {
            throw Error(Error::Kind::pixels, name.string() + ": " + cleaned.error);
        }
        if (!cleaned.note.empty()) {
            outcome.warnings.push_back({"", cleaned.note, "", 0});
        }
    }
    outcome.lua_log = lines_of(lua_log.str());
    return outcome;
}

Applier::Applier(Recipe recipe) : state_(std::make_unique<State>(std::move(recipe))) {}
Applier::~Applier() = default;
Applier::Applier(Applier&&) noexcept = default;
Applier& Applier::operator=(Applier&&) noexcept = default;

Outcome Applier::apply(DcmFileFormat& file, const Variables& variables) {
    return state_->apply(file, variables, kInMemory);
}

Outcome Applier::apply(DcmDataset& dataset, const Variables& variables) {
    BorrowedDataset borrowed(dataset);
    return state_->apply(borrowed.file(), variables, kInMemory);
}

Outcome Applier::apply_file(const std::filesystem::path& input, const std::filesystem::path& output,
                            const Variables& variables, const WriteOptions& write) {
    std::error_code error;
    if (std::filesystem::equivalent(input, output, error)) {
        throw Error(Error::Kind::output, output.string() + " is the input itself; it is never replaced");
    }
    auto loaded = load_dicom(input);
    if (const auto* problem = std::get_if<LoadError>(&loaded)) {
        throw load_error(*problem, input);
    }
    DcmFileFormat& file = *std::get<std::unique_ptr<DcmFileFormat>>(loaded);
    if (is_media_directory(file)) {
        throw Error(Error::Kind::not_dicom, input.string() + ": a DICOMDIR media directory (rebuild it from the "
                                                             "de-identified files, e.g. with dcmmkdir)");
    }
    Outcome outcome = state_->apply(file, variables, input);
    if (outcome.held_back) {
        return outcome;
    }
    if (const auto failure = save_dicom_atomically(file, output, disk(), WriteSettings{write.overwrite, write.sync})) {
        throw Error(Error::Kind::output, failure->message);
    }
    outcome.written = true;
    return outcome;
}

}  // namespace deid::api
