#include "cli/clean_command.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "cli/input_loading.hpp"
#include "cli/run_gate.hpp"
#include "interpreter/eval/filters.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/pixels/pixel_cleaner.hpp"
#include "runtime/pixels/preview.hpp"

#include <dcmtk/dcmdata/dcdatset.h>

namespace deid {

int run_clean(const CleanOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    const bool use_default = options.with_default_recipe || options.recipes.empty();
    const auto plan = compile_for_run({options.recipes, use_default, {}}, dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    std::size_t cleaned = 0;
    std::size_t unchanged = 0;
    std::size_t quarantined = 0;
    std::size_t failed = 0;
    for (const auto& input : expand_inputs(options.inputs)) {
        const auto loaded = load_input(input, err, failed);
        if (!loaded) {
            continue;
        }
        auto& file = *loaded;
        const FilterOutcome outcome = screen(*plan, DcmtkDataset(file));
        const bool has_regions = std::any_of(outcome.matches.begin(), outcome.matches.end(),
                                             [](const FilterMatch& m) { return !m.regions.empty(); });
        auto target = options.output / input.relative;
        if (outcome.flagged && !has_regions) {
            out << input.path.string() << ": flagged without regions to clean (" << outcome.matches.front().group
                << " / " << outcome.matches.front().label << ")"
                << (options.skip_flagged ? ": skipped\n" : ": quarantined\n");
            ++quarantined;
            if (options.skip_flagged) {
                continue;
            }
            target = options.output / "quarantine" / input.relative;
        } else if (outcome.flagged) {
            std::unique_ptr<DcmDataset> before;
            if (options.png) {
                before = std::make_unique<DcmDataset>(*file.getDataset());
            }
            const CleanReport report = clean_pixels(file, outcome.matches);
            if (!report.error.empty()) {
                err << input.path.string() << ": error: " << report.error << '\n';
                ++failed;
                continue;
            }
            if (!report.note.empty()) {
                err << input.path.string() << ": note: " << report.note << '\n';
            }
            if (before) {
                auto png = target;
                png += ".png";
                std::filesystem::create_directories(png.parent_path());
                if (const auto error = write_clean_preview(*before, *file.getDataset(), outcome.matches, png); !error.empty()) {
                    err << input.path.string() << ": warning: no preview: " << error << '\n';
                }
            }
            ++cleaned;
        } else {
            ++unchanged;
        }
        if (std::filesystem::exists(target) && !options.overwrite) {
            err << input.path.string() << ": error: " << target.string() << " exists (use --overwrite)\n";
            ++failed;
            continue;
        }
        if (const std::string error = save_dicom_atomically(file, target); !error.empty()) {
            err << input.path.string() << ": error: " << error << '\n';
            ++failed;
        }
    }
    err << "deid clean: " << cleaned << " cleaned, " << unchanged << " not flagged (copied), " << quarantined
        << (options.skip_flagged ? " flagged and skipped, " : " quarantined, ") << failed << " failed\n";
    return failed > 0 ? 1 : 0;
}

}  // namespace deid
