#include "cli/inspect_command.hpp"

#include <map>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "cli/input_loading.hpp"
#include "cli/run_gate.hpp"
#include "cli/script_check.hpp"
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

}  // namespace

int run_inspect(const InspectOptions& options, const ElementDictionary& dictionary, std::ostream& out,
                std::ostream& err) {
    const bool use_default = options.with_default_recipe || options.recipes.empty();
    ResolveOptions resolve;
    if (!options.lua_scripts.empty()) {
        resolve.user_functions = functions_defined_by(options.lua_scripts, err);
        if (!resolve.user_functions) {
            return kExitRecipeError;
        }
    }
    const auto plan = compile_for_run({options.recipes, use_default, resolve}, dictionary, options.force, err);
    if (!plan) {
        return kExitRecipeError;
    }
    nlohmann::json files = nlohmann::json::object();
    std::map<std::string, std::size_t> per_group;
    std::size_t screened = 0;
    std::size_t flagged = 0;
    std::size_t failed = 0;
    if (options.format == InspectFormat::csv) {
        out << "file,flagged,group,label,mask,region\n";
    }
    for (const auto& input : expand_inputs(options.inputs)) {
        const auto loaded = load_input(input, err, failed);
        if (!loaded) {
            continue;
        }
        const DcmtkDataset dataset(*loaded);
        const FilterOutcome outcome = screen(*plan, dataset);
        ++screened;
        flagged += outcome.flagged ? 1 : 0;
        nlohmann::json results = nlohmann::json::array();
        for (const auto& match : outcome.matches) {
            ++per_group[match.group];
            nlohmann::json regions = nlohmann::json::array();
            for (const auto& region : match.regions) {
                regions.push_back(region_json(region));
            }
            results.push_back({{"group", match.group}, {"label", match.label}, {"reason", match.reason},
                               {"coordinates", regions}});
        }
        const std::string name = input.path.string();
        switch (options.format) {
            case InspectFormat::json: files[name] = {{"flagged", outcome.flagged}, {"results", results}}; break;
            case InspectFormat::table:
                out << name << ": " << (outcome.flagged ? "flagged" : "clean") << '\n';
                for (const auto& match : outcome.matches) {
                    out << "  " << match.group << " / " << match.label << ": " << match.reason << '\n';
                    for (const auto& region : match.regions) {
                        out << "    " << (region.mask == ast::RegionMask::keep ? "keep  " : "blank ")
                            << region_text(region) << '\n';
                    }
                }
                break;
            case InspectFormat::csv:
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
                break;
        }
    }
    if (options.format == InspectFormat::json) {
        out << nlohmann::json{{"files", files},
                              {"summary", {{"screened", screened}, {"flagged", flagged}, {"failed", failed},
                                           {"matches_per_group", per_group}}}}
                   .dump(2)
            << '\n';
    }
    err << "deid inspect: " << screened << " screened, " << flagged << " flagged, " << failed << " failed";
    for (const auto& [group, count] : per_group) {
        err << "; " << group << ": " << count;
    }
    err << '\n';
    return failed > 0 ? 1 : 0;
}

}  // namespace deid
