#include "engine/get_command.hpp"

#include <charconv>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/input_loading.hpp"
#include "runtime/dicom/character_set.hpp"
#include "engine/json_member.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/run_gate.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/io/inputs.hpp"
#include "runtime/io/staged_file.hpp"
#include "engine/script_check.hpp"

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

// One file's part of the output, made by a worker.
struct FileIdentifiers {
    std::string json;      // "<file>": {...}, indented as the whole document
    std::string messages;  // for standard error
    bool failed = false;
};

FileIdentifiers identifiers_of(const InputFile& input, const std::set<std::uint32_t>& protected_tags) {
    FileIdentifiers result;
    std::ostringstream err;
    std::size_t failed = 0;
    try {
        if (const auto loaded = load_input(input, err, failed)) {
            if (const auto conversion = convert_text_to_utf8(*loaded); conversion && !conversion->error.empty()) {
                err << input.path.string() << ": warning: " << describe(*conversion) << '\n';
            }
            const DcmtkDataset dataset(*loaded);
            nlohmann::ordered_json file = nlohmann::ordered_json::object();
            for (const auto& element : dataset.elements()) {
                const std::uint32_t tag = (static_cast<std::uint32_t>(element.group) << 16U) | element.element;
                if (!protected_tags.contains(tag)) {
                    file[element.path] = element_json(element, dataset);
                }
            }
            result.json = json_member(input.path.string(), file, 1);
        }
    } catch (const std::exception& error) {
        err << input.path.string() << ": error: " << error.what() << '\n';
        failed = 1;
    }
    result.messages = err.str();
    result.failed = failed > 0;
    return result;
}

}  // namespace

int run_get(const GetOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err) {
    ResolveOptions resolve;
    if (!options.lua_scripts.empty()) {
        resolve.user_functions = functions_defined_by(options.lua_scripts, options.lua_limits, err);
        if (!resolve.user_functions) {
            return kExitRecipeError;
        }
    }
    if (!options.recipes.empty() || options.with_default_recipe) {
        if (!compile_for_run({options.recipes, options.with_default_recipe, resolve, {}, std::nullopt, {},
                              {options.ctp_scripts, options.ctp_keyed}},
                             dictionary, options.force, err)) {
            return kExitRecipeError;
        }
    }
    // -o: written as every output is, under a hidden temporary name, every
    // write checked, synced, and renamed only when complete.
    std::optional<StagedFile> staged;
    if (options.output) {
        auto opened = open_staged(*options.output, disk(), /*replace=*/true);
        if (auto* failure = std::get_if<WriteFailure>(&opened)) {
            err << "deid get: error: " << failure->message << '\n';
            return kExitRecipeError;
        }
        staged.emplace(std::move(std::get<StagedFile>(opened)));
    }
    std::error_code write_error;  // the first; nothing more is written after it
    auto emit = [&](std::string_view text) {
        if (!staged) {
            out << text;
        } else if (!write_error) {
            write_error = staged->file->write(text.data(), text.size());
        }
    };

    const auto protected_tags = default_protected_tags();
    InputWalk inputs(options.inputs);
    Progress progress(err, options.progress, "deid get", progress_total(options.progress, options.inputs));
    std::size_t failed = 0;
    bool first = true;
    emit("{");
    run_in_parallel(inputs, BatchSettings{options.jobs, kHeaderReadAhead}, [] { return 0; },
        [&](int, const InputFile& input) { return identifiers_of(input, protected_tags); },
        [&](const InputFile&, const FileIdentifiers& result) {
            if (!result.json.empty()) {
                if (!options.output) {
                    progress.make_room();
                }
                emit(first ? "\n" : ",\n");
                emit(result.json);
                first = false;
            }
            failed += result.failed ? 1 : 0;
            progress.file_done(result.messages);
        });
    emit(first ? "}\n" : "\n}\n");
    if (staged) {
        auto failure = write_error ? std::optional(abandon(*staged, "cannot write " + staged->target.string() + ": " +
                                                                          write_error.message()))
                                   : sync_and_publish(*staged, /*sync=*/true);
        if (failure) {
            err << "deid get: error: " << failure->message << '\n';
            return kExitRecipeError;
        }
    }
    return failed > 0 ? 1 : 0;
}

}  // namespace deid
