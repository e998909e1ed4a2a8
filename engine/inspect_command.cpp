#include "engine/inspect_command.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/input_loading.hpp"
#include "runtime/dicom/character_set.hpp"
#include "engine/json_member.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/run_gate.hpp"
#include "engine/script_check.hpp"
#include "interpreter/eval/filters.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/inputs.hpp"

namespace deid {
namespace {

int mask_number(ast::RegionMask mask) { return mask == ast::RegionMask::keep ? 1 : 0; }

// As the conformance cases write regions: "xmin,ymin,xmax,ymax", "all", or
// a list of rectangles for from:Field.
nlohmann::json region_json(const MatchedRegion& region) {
    nlohmann::json area;
    if (const auto* rect = std::get_if<plan::Rect>(&region.area)) {
        area = rect_text(*rect);
    } else if (const auto* rects = std::get_if<std::vector<plan::Rect>>(&region.area)) {
        area = nlohmann::json::array();
        for (const auto& one : *rects) {
            area.push_back(rect_text(one));
        }
    } else {
        area = "all";
    }
    return nlohmann::json::array({mask_number(region.mask), area});
}

std::string region_text(const MatchedRegion& region) {
    const nlohmann::json area = region_json(region)[1];
    return area.is_string() ? area.get<std::string>() : area.dump();
}

std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) {
        return text;
    }
    std::string quoted = "\"";
    for (const char c : text) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return quoted + "\"";
}

// One file screened, by a worker: its output in the chosen format.
struct Screened {
    bool loaded = false;
    bool failed = false;
    bool flagged = false;
    std::vector<std::string> groups;  // of every match, for the summary
    std::string text;                 // table or CSV lines; JSON member
    std::string messages;             // for standard error
};

void write_table(const std::string& name, const FilterOutcome& outcome, std::ostream& out) {
    out << name << ": " << (outcome.flagged ? "flagged" : "clean") << '\n';
    for (const auto& match : outcome.matches) {
        out << "  " << match.group << " / " << match.label << ": " << match.reason << '\n';
        for (const auto& region : match.regions) {
            out << "    " << (region.mask == ast::RegionMask::keep ? "keep  " : "blank ") << region_text(region) << '\n';
        }
    }
}

void write_csv(const std::string& name, const FilterOutcome& outcome, std::ostream& out) {
    if (outcome.matches.empty()) {
        out << csv_cell(name) << ",false,,,,\n";
    }
    for (const auto& match : outcome.matches) {
        if (match.regions.empty()) {
            out << csv_cell(name) << ",true," << csv_cell(match.group) << "," << csv_cell(match.label) << ",,\n";
        }
        for (const auto& region : match.regions) {
            out << csv_cell(name) << ",true," << csv_cell(match.group) << "," << csv_cell(match.label) << ","
                << mask_number(region.mask) << "," << csv_cell(region_text(region)) << '\n';
        }
    }
}

// "<file>": {"flagged", "results"}, indented as a member of "files".
std::string file_member(const std::string& name, const FilterOutcome& outcome) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& match : outcome.matches) {
        nlohmann::json regions = nlohmann::json::array();
        for (const auto& region : match.regions) {
            regions.push_back(region_json(region));
        }
        results.push_back(
            {{"group", match.group}, {"label", match.label}, {"reason", match.reason}, {"coordinates", regions}});
    }
    return json_member(name, nlohmann::json{{"flagged", outcome.flagged}, {"results", results}}, 2);
}

Screened screen_file(const plan::Plan& plan, const InputFile& input, InspectFormat format) {
    Screened result;
    std::ostringstream err;
    std::size_t failed = 0;
    try {
        if (const auto loaded = load_input(input, err, failed)) {
            (void)convert_text_to_utf8(*loaded);  // criteria are UTF-8 text
            const FilterOutcome outcome = screen(plan, DcmtkDataset(*loaded));
            result.loaded = true;
            result.flagged = outcome.flagged;
            for (const auto& match : outcome.matches) {
                result.groups.push_back(match.group);
            }
            const std::string name = input.path.string();
            std::ostringstream text;
            switch (format) {
                case InspectFormat::table: write_table(name, outcome, text); break;
                case InspectFormat::csv: write_csv(name, outcome, text); break;
                case InspectFormat::json: text << file_member(name, outcome); break;
            }
            result.text = text.str();
        }
    } catch (const std::exception& error) {
        err << input.path.string() << ": error: " << error.what() << '\n';
        failed = 1;
    }
    result.failed = failed > 0;
    result.messages = err.str();
    return result;
}

}  // namespace

int run_inspect(const InspectOptions& options, const ElementDictionary& dictionary, std::ostream& out,
                std::ostream& err) {
    const bool use_default = options.with_default_recipe || options.recipes.empty();
    ResolveOptions resolve;
    if (!options.lua_scripts.empty()) {
        resolve.user_functions = functions_defined_by(options.lua_scripts, options.lua_limits, err);
        if (!resolve.user_functions) {
            return kExitRecipeError;
        }
    }
    const auto plan =
        compile_for_run({options.recipes, use_default, resolve, {}, std::nullopt, {}, {options.ctp_scripts, options.ctp_keyed}},
                        dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    for (const auto& group : options.fail_on) {
        const bool known = std::any_of(plan->filters.begin(), plan->filters.end(),
                                       [&](const plan::FilterGroup& filter) { return filter.name == group; });
        if (!known) {
            std::string names;
            for (const auto& filter : plan->filters) {
                names += (names.empty() ? "" : ", ") + filter.name;
            }
            err << "deid inspect: error: --fail-on names no %filter group '" << group << "' (the recipes have: "
                << (names.empty() ? "none" : names) << ")\n";
            return kExitRecipeError;
        }
    }
    std::map<std::string, std::size_t> per_group;
    std::size_t screened = 0;
    std::size_t flagged = 0;
    std::size_t failed = 0;
    std::size_t failing_matches = 0;  // files flagged by a --fail-on group
    switch (options.format) {
        case InspectFormat::csv: out << "file,flagged,group,label,mask,region\n"; break;
        case InspectFormat::json: out << "{\n  \"files\": {"; break;
        case InspectFormat::table: break;
    }
    InputWalk inputs(options.inputs);
    Progress progress(err, options.progress, "deid inspect", progress_total(options.progress, options.inputs));
    run_in_parallel(inputs, BatchSettings{options.jobs, kHeaderReadAhead}, [] { return 0; },
        [&](int, const InputFile& input) { return screen_file(*plan, input, options.format); },
        [&](const InputFile&, const Screened& result) {
            if (result.loaded) {
                progress.make_room();
                if (options.format == InspectFormat::json) {
                    out << (screened == 0 ? "\n" : ",\n");
                }
                out << result.text << std::flush;
                ++screened;
            }
            flagged += result.flagged ? 1 : 0;
            failed += result.failed ? 1 : 0;
            for (const auto& group : result.groups) {
                ++per_group[group];
            }
            failing_matches += std::any_of(result.groups.begin(), result.groups.end(), [&](const std::string& group) {
                return std::find(options.fail_on.begin(), options.fail_on.end(), group) != options.fail_on.end();
            }) ? 1 : 0;
            progress.file_done(result.messages);
        });
    if (options.format == InspectFormat::json) {
        nlohmann::json summary{{"screened", screened}, {"flagged", flagged}, {"failed", failed},
                               {"matches_per_group", per_group}};
        out << (screened == 0 ? "},\n" : "\n  },\n") << json_member("summary", summary, 1) << "\n}\n";
    }
    std::ostringstream summary;
    summary << "deid inspect: " << screened << " screened, " << flagged << " flagged, " << failed << " failed";
    for (const auto& [group, count] : per_group) {
        summary << "; " << group << ": " << count;
    }
    if (!options.fail_on.empty()) {
        summary << "; " << failing_matches << " flagged by --fail-on";
    }
    progress.print(summary.str() + "\n");
    if (failed > 0) {
        return kExitFileFailed;
    }
    return failing_matches > 0 ? kExitSetAside : kExitOk;
}

}  // namespace deid
