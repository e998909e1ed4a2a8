#include "cli/get_command.hpp"

#include <charconv>
#include <fstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "cli/input_loading.hpp"
#include "cli/run_gate.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/inputs.hpp"
#include "cli/script_check.hpp"

namespace deid {
namespace {

constexpr std::string_view kBinaryVrs[] = {"OB", "OW", "OD", "OF", "OL", "OV", "UN", "ox", "px"};
constexpr std::string_view kNumericVrs[] = {"US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"};

bool is_one_of(std::string_view vr, const auto& list) { return std::find(std::begin(list), std::end(list), vr) != std::end(list); }

nlohmann::json one_value(const std::string& text, std::string_view vr) {
    if (is_one_of(vr, kNumericVrs)) {
        double number = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), number);
        if (result.ec == std::errc{} && result.ptr == text.data() + text.size()) {
            if (vr != "FL" && vr != "FD") {
                return static_cast<std::int64_t>(number);
            }
            return number;
        }
    }
    return text;
}

nlohmann::json element_json(const ElementInfo& element, const DatasetView& dataset) {
    nlohmann::json entry{{"name", element.nested_name}, {"vr", element.vr}};
    if (element.is_sequence()) {
        return entry;  // its items' elements are listed under their own path ids
    }
    if (is_one_of(element.vr, kBinaryVrs)) {
        entry["length"] = element.length;  // no binary blobs
        return entry;
    }
    const auto values = dataset.values(element.path).value_or(std::vector<std::string>{});
    if (values.size() == 1) {
        entry["value"] = one_value(values.front(), element.vr);
    } else if (values.empty()) {
        entry["value"] = "";
    } else {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& value : values) {
            list.push_back(one_value(value, element.vr));
        }
        entry["value"] = list;
    }
    return entry;
}

}  // namespace

int run_get(const GetOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    ResolveOptions resolve;
    if (!options.lua_scripts.empty()) {
        resolve.user_functions = functions_defined_by(options.lua_scripts, err);
        if (!resolve.user_functions) {
            return kExitRecipeError;
        }
    }
    if (!options.recipes.empty() || options.with_default_recipe) {
        if (!compile_for_run({options.recipes, options.with_default_recipe, resolve}, dictionary, options.force, err)) {
            return kExitRecipeError;
        }
    }
    const auto protected_tags = default_protected_tags();
    nlohmann::json identifiers = nlohmann::json::object();
    std::size_t failed = 0;
    for (const auto& input : expand_inputs(options.inputs)) {
        const auto loaded = load_input(input, err, failed);
        if (!loaded) {
            continue;
        }
        DcmtkDataset dataset(*loaded);
        nlohmann::json& file = identifiers[input.path.string()] = nlohmann::json::object();
        for (const auto& element : dataset.elements()) {
            const std::uint32_t tag = (static_cast<std::uint32_t>(element.group) << 16U) | element.element;
            if (!protected_tags.contains(tag)) {
                file[element.path] = element_json(element, dataset);
            }
        }
    }
    const std::string text = identifiers.dump(2) + "\n";
    if (options.output) {
        std::ofstream(*options.output) << text;
    } else {
        out << text;
    }
    return failed > 0 ? 1 : 0;
}

}  // namespace deid
