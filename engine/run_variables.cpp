#include "engine/run_variables.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include <nlohmann/json.hpp>

namespace deid {
namespace {

bool is_scalar(const nlohmann::json& value);

std::string type_of(const nlohmann::json& value) {
    if (value.is_null()) {
        return "null";
    }
    if (value.is_object()) {
        return "an object";
    }
    if (value.is_array()) {
        const auto odd = std::find_if_not(value.begin(), value.end(), is_scalar);
        return odd == value.end() ? "a list" : "a list holding " + type_of(*odd);
    }
    return "a " + std::string(value.type_name());
}

bool is_scalar(const nlohmann::json& value) { return value.is_string() || value.is_number() || value.is_boolean(); }

// One variable's text, or nullopt for a value no variable can hold.
std::optional<std::string> variable_text(const nlohmann::json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_number() || value.is_boolean()) {
        return value.dump();
    }
    if (value.is_array() && std::all_of(value.begin(), value.end(), is_scalar)) {
        std::string joined;
        for (std::size_t i = 0; i < value.size(); ++i) {
            joined += (i == 0 ? "" : "\\") + *variable_text(value[i]);
        }
        return joined;
    }
    return std::nullopt;
}

// A JSON file's top-level object, or the error text naming where it is not one.
std::variant<nlohmann::json, std::string> read_object(const std::filesystem::path& path, std::string_view what) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return path.string() + ": error: cannot read the " + std::string(what) + " file";
    }
    const std::string text(std::istreambuf_iterator<char>(stream), {});
    try {
        auto json = nlohmann::json::parse(text);
        if (!json.is_object()) {
            return path.string() + ": error: the " + std::string(what) + " file must hold one JSON object, not " +
                   type_of(json);
        }
        return json;
    } catch (const nlohmann::json::parse_error& error) {
        const std::size_t at = std::min(error.byte == 0 ? 0 : error.byte - 1, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        const auto line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
        const auto column = at - (line_start == std::string::npos || at == 0 ? 0 : line_start + 1) + 1;
        // "[json.exception.parse_error.101] parse error at line 3, column 3: syntax error ..."
        std::string reason = error.what();
        if (const auto column_text = reason.find("column "); column_text != std::string::npos) {
            if (const auto colon = reason.find(": ", column_text); colon != std::string::npos) {
                reason = reason.substr(colon + 2);
            }
        }
        return path.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: invalid JSON: " +
               reason;
    }
}

// The variables of one JSON object; `where` names it in errors.
std::variant<Variables, std::string> variables_of(const nlohmann::json& object, const std::string& where) {
    Variables variables;
    for (const auto& [name, value] : object.items()) {
        if (value.is_object() && value.contains("vr")) {  // an element entry of `get`
            if (!value.contains("value") || value["value"].is_null()) {
                continue;  // a sequence or binary element: no value to give
            }
            if (auto text = variable_text(value["value"])) {
                variables[name] = std::move(*text);
                continue;
            }
        } else if (auto text = variable_text(value)) {
            variables[name] = std::move(*text);
            continue;
        }
        return where + "'" + name + "' is " + type_of(value.is_object() && value.contains("vr") ? value["value"] : value) +
               "; a variable is a string, a number, true/false or a list of them";
    }
    return variables;
}

}  // namespace

std::filesystem::path normalised_path(const std::filesystem::path& path) {
    std::error_code error;
    const auto absolute = std::filesystem::absolute(path, error);
    const auto real = std::filesystem::weakly_canonical(error ? path : absolute, error);
    return error ? absolute.lexically_normal() : real;
}

std::variant<Variables, std::string> read_global_variables(const std::filesystem::path& path) {
    auto json = read_object(path, "variables");
    if (auto* error = std::get_if<std::string>(&json)) {
        return *error;
    }
    return variables_of(std::get<nlohmann::json>(json), path.string() + ": error: ");
}

std::variant<FileVariables, std::string> FileVariables::read(const std::filesystem::path& path) {
    auto json = read_object(path, "identifiers");
    if (auto* error = std::get_if<std::string>(&json)) {
        return *error;
    }
    FileVariables files;
    for (const auto& [key, entry] : std::get<nlohmann::json>(json).items()) {
        const std::string where = path.string() + ": error: in the entry of '" + key + "': ";
        if (!entry.is_object()) {
            return path.string() + ": error: the entry of '" + key + "' is " + type_of(entry) +
                   "; a file's entry is an object of variables";
        }
        auto variables = variables_of(entry, where);
        if (auto* error = std::get_if<std::string>(&variables)) {
            return *error;
        }
        Entry made{key, normalised_path(key), std::move(std::get<Variables>(variables))};
        files.by_path_.emplace(made.normalised.string(), files.entries_.size());
        files.entries_.push_back(std::move(made));
    }
    return files;
}

const Variables* FileVariables::for_input(const std::filesystem::path& input) const {
    if (entries_.empty()) {
        return nullptr;
    }
    const auto found = by_path_.find(normalised_path(input).string());
    if (found == by_path_.end()) {
        return nullptr;
    }
    const Entry& entry = entries_[found->second];
    entry.used->store(true, std::memory_order_relaxed);
    return &entry.variables;
}

std::vector<std::string> FileVariables::unused(const std::function<bool(const std::filesystem::path&)>& expected) const {
    std::vector<std::string> keys;
    for (const auto& entry : entries_) {
        if (!entry.used->load(std::memory_order_relaxed) && expected(entry.normalised)) {
            keys.push_back(entry.key);
        }
    }
    return keys;
}

}  // namespace deid
