#include "engine/clean_command.hpp"

#include <cstdint>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "engine/flagged_files.hpp"
#include "engine/input_loading.hpp"
#include "engine/output_guard.hpp"
#include "engine/run_variables.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/run_gate.hpp"
#include "engine/staged_outputs.hpp"
#include "interpreter/eval/filters.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"
#include "runtime/pixels/preview.hpp"

namespace deid {
namespace {

enum class CleanStatus { cleaned, unchanged, set_aside, failed, not_dicom };

struct CleanedFile {
    CleanStatus status = CleanStatus::unchanged;
    std::string notice;    // for standard output
    std::string messages;  // for standard error
};

// The file's result; an output is left in `output`, held or written but
// neither durable nor under its final name yet.
CleanedFile clean_file(const CleanOptions& options, const plan::Plan& plan, const InputFile& input, OutputGuard& guard,
                       FileSystem& files, std::uint64_t largest_held, std::optional<PendingOutput>& output) {
    CleanedFile result;
    std::ostringstream err;
    auto fail = [&](const std::string& reason) {
        err << input.path.string() << ": error: " << reason << '\n';
        result.status = CleanStatus::failed;
        result.messages = err.str();
        return result;
    };
    try {
        std::size_t failed = 0;
        const auto loaded = load_input(input, err, failed);
        if (!loaded) {
            result.status = failed > 0 ? CleanStatus::failed : CleanStatus::not_dicom;
            result.messages = err.str();
            return result;
        }
        auto& file = *loaded;
        const FilterOutcome outcome = screen(plan, DcmtkDataset(file));
        const ScreeningDecision decision = decide(outcome, input.path, options.skip_flagged);
        result.notice = decision.notice;
        const auto target = output_path(options.output, input.relative, decision.verdict);
        if (decision.verdict != PixelVerdict::skip) {
            if (const auto refusal = guard.check_target(input, target)) {
                return fail(*refusal);
            }
            if (!guard.claim(target)) {
                return fail(target.string() + " was already written by this run from another input");
            }
        }
        std::error_code exists_error;
        const bool exists = std::filesystem::exists(std::filesystem::symlink_status(target, exists_error));
        if (exists && !options.overwrite && decision.verdict != PixelVerdict::skip) {
            return fail(target.string() + " exists (use --overwrite to replace it)");
        }
        switch (decision.verdict) {
            case PixelVerdict::skip: result.status = CleanStatus::set_aside; return result;
            case PixelVerdict::quarantine: result.status = CleanStatus::set_aside; break;
            case PixelVerdict::unchanged: result.status = CleanStatus::unchanged; break;
            case PixelVerdict::clean: {
                std::unique_ptr<DcmDataset> before;
                if (options.png_folder) {
                    // Decoded first, so that the preview can show it whatever the codec.
                    if (const std::string error = decode_pixels(file); !error.empty()) {
                        return fail(error);
                    }
                    before = std::make_unique<DcmDataset>(*file.getDataset());
                }
                const CleanReport report = clean_pixels(file, outcome.matches);
                if (!report.error.empty()) {
                    return fail(report.error);
                }
                if (!report.note.empty()) {
                    err << input.path.string() << ": note: " << report.note << '\n';
                }
                if (before) {
                    auto png = *options.png_folder / input.relative;
                    png += ".png";
                    std::filesystem::create_directories(png.parent_path());
                    if (const auto error = write_clean_preview(*before, *file.getDataset(), outcome.matches, png);
                        !error.empty()) {
                        err << input.path.string() << ": warning: no preview: " << error << '\n';
                    }
                }
                result.status = CleanStatus::cleaned;
                break;
            }
        }
        for (const auto& path : drop_illegal_group_elements(file)) {
            err << input.path.string() << ": warning: " << illegal_group_warning(path) << '\n';
        }
        auto written = stage_or_hold_dicom(file, target, files, exists, largest_held);
        if (const auto* failure = std::get_if<WriteFailure>(&written)) {
            return fail(failure->message);
        }
        output.emplace(std::move(std::get<PendingOutput>(written)));
    } catch (const std::exception& error) {
        return fail(error.what());
    }
    result.messages = err.str();
    return result;
}

}  // namespace

int run_clean(const CleanOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    const bool use_default = options.with_default_recipe || options.recipes.empty();
    const auto plan = compile_for_run({options.recipes, use_default, {}, {}, std::nullopt, {}, {options.ctp_scripts, options.ctp_keyed}},
                                      dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    FileSystem& files = options.file_system != nullptr ? *options.file_system : disk();
    OutputGuard guard(options.inputs, options.output, files);
    if (const auto refusal = guard.refusal()) {
        err << "deid clean: error: " << *refusal << '\n';
        return kExitRecipeError;
    }
    if (options.png_folder) {
        // The previews show the original pixels: never among the outputs or inputs.
        if (const auto refusal = OutputGuard(options.inputs, *options.png_folder, files).refusal()) {
            err << "deid clean: error: --png: " << *refusal << '\n';
            return kExitRecipeError;
        }
        if (is_within(normalised_path(*options.png_folder), normalised_path(options.output))) {
            err << "deid clean: error: --png " << options.png_folder->string() << " is inside the output folder "
                << options.output.string() << ": the previews show the original burned-in text, which the output "
                << "folder must not hold\n";
            return kExitRecipeError;
        }
    }
    if (const auto collision = guard.colliding_inputs()) {
        err << "deid clean: error: " << describe(*collision) << '\n';
        return kExitRecipeError;
    }
    std::map<CleanStatus, std::size_t> counts;
    InputWalk inputs(options.inputs);
    Progress progress(err, options.progress, "deid clean", progress_total(options.progress, options.inputs));
    // Outputs are written (if held), made durable (unless --no-fsync) and
    // published by the group committer while the workers go on.
    GroupCommitter committer(CommitSettings{.sync = options.sync});
    const std::uint64_t largest_held = largest_held_output(worker_count(options.jobs));
    auto start = [&](int, const InputFile& input, auto complete) {
        std::optional<PendingOutput> output;
        CleanedFile result = clean_file(options, *plan, input, guard, files, largest_held, output);
        publish_and_complete(committer, output, std::move(result), complete,
                             [&input](CleanedFile& cleaned, const std::optional<WriteFailure>& failure) {
                                 if (failure) {
                                     cleaned.status = CleanStatus::failed;
                                     cleaned.messages += input.path.string() + ": error: " + failure->message + "\n";
                                 }
                             });
    };
    run_in_parallel_deferred<CleanedFile>(inputs, BatchSettings{options.jobs, kWholeFileReadAhead}, [] { return 0; },
        start,
        [&](const InputFile&, const CleanedFile& result) {
            ++counts[result.status];
            if (!result.notice.empty()) {
                progress.make_room();
                out << result.notice << std::flush;
            }
            progress.file_done(result.messages);
        });
    std::ostringstream summary;
    summary << "deid clean: " << counts[CleanStatus::cleaned] << " cleaned, " << counts[CleanStatus::unchanged]
            << " not flagged (copied), " << counts[CleanStatus::set_aside]
            << (options.skip_flagged ? " flagged and skipped, " : " quarantined, ") << counts[CleanStatus::failed]
            << " failed\n";
    if (counts[CleanStatus::set_aside] > 0 && !options.skip_flagged) {
        summary << quarantine_warning("deid clean", options.output);
    }
    progress.print(summary.str());
    if (counts[CleanStatus::failed] > 0) {
        return kExitFileFailed;
    }
    return counts[CleanStatus::set_aside] > 0 ? kExitSetAside : kExitOk;
}

}  // namespace deid
