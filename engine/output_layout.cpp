#include "engine/output_layout.hpp"

#include <algorithm>
#include <cctype>

#include "support/strings.hpp"
#include "support/suggest.hpp"

namespace deid {
namespace {

constexpr std::size_t kLongestValue = 64;
// NAME_MAX is 255; the temporary name adds a '.' and ".deid-partial".
constexpr std::size_t kLongestComponent = 200;

bool path_safe(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

std::optional<std::uint16_t> hex4(std::string_view text) {
    if (text.size() != 4 || !std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(std::stoul(std::string(text), nullptr, 16));
}

// "(0010,0020)" or "00100020".
std::optional<std::pair<std::uint16_t, std::uint16_t>> tag_of(std::string_view name) {
    if (name.size() == 11 && name.front() == '(' && name.back() == ')' && name[5] == ',') {
        name = name.substr(1, 9);
        const auto group = hex4(name.substr(0, 4));
        const auto element = hex4(name.substr(5, 4));
        return group && element ? std::optional(std::pair(*group, *element)) : std::nullopt;
    }
    if (name.size() == 8) {
        const auto group = hex4(name.substr(0, 4));
        const auto element = hex4(name.substr(4, 4));
        return group && element ? std::optional(std::pair(*group, *element)) : std::nullopt;
    }
    return std::nullopt;
}

std::string_view unpadded(std::string_view value) {
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) {
        value.remove_suffix(1);
    }
    return trim(value);
}

}  // namespace

std::string path_text(std::string_view value) {
    value = unpadded(value);
    if (value.empty()) {
        return "_";
    }
    std::string text;
    for (const char c : value.substr(0, kLongestValue)) {
        text += path_safe(c) ? c : '_';
    }
    return text;
}

std::string OutputLayout::Field::path_id() const {
    return "(" + hex_digits(group, 4) + "," + hex_digits(element, 4) + ")";
}

std::variant<OutputLayout, std::string> OutputLayout::parse(std::string_view text, const ElementDictionary& dictionary) {
    OutputLayout layout;
    if (text == "mirror") {
        return layout;
    }
    layout.mirror_ = false;
    layout.text_ = std::string(text);
    const std::string_view templated = text == "uid" ? kUidLayout : text;
    const std::string quoted = "--layout '" + std::string(text) + "'";
    if (templated.starts_with("/")) {
        return quoted + ": a layout names paths below OUTDIR; it cannot start with '/'";
    }
    std::size_t start = 0;
    while (start <= templated.size()) {
        const std::size_t slash = std::min(templated.find('/', start), templated.size());
        const std::string_view component = templated.substr(start, slash - start);
        if (component.empty() || component == "." || component == "..") {
            return quoted + ": '" + std::string(component) + "' cannot be a folder or file name of the layout";
        }
        std::vector<Piece> pieces;
        std::size_t at = 0;
        while (at < component.size()) {
            if (component[at] == '{') {
                const std::size_t close = component.find('}', at);
                if (close == std::string_view::npos) {
                    return quoted + ": '{' without its '}'";
                }
                const std::string name(trim(component.substr(at + 1, close - at - 1)));
                Field field;
                if (const auto tag = tag_of(name)) {
                    field.group = tag->first;
                    field.element = tag->second;
                    const auto entry = dictionary.find_tag(field.group, field.element);
                    field.keyword = entry ? entry->keyword : name;
                } else if (const auto entry = dictionary.find_keyword(name)) {
                    field.group = entry->group;
                    field.element = entry->element;
                    field.keyword = entry->keyword;
                } else {
                    const auto suggestion = closest_match(name, dictionary.keywords());
                    return quoted + ": unknown DICOM keyword '" + name + "'" +
                           (suggestion ? " (did you mean '" + *suggestion + "'?)" : "");
                }
                const auto known = std::find_if(layout.fields_.begin(), layout.fields_.end(), [&](const Field& f) {
                    return f.group == field.group && f.element == field.element;
                });
                const auto index = static_cast<std::size_t>(known - layout.fields_.begin());
                if (known == layout.fields_.end()) {
                    layout.fields_.push_back(std::move(field));
                }
                pieces.push_back({"", index});
                at = close + 1;
                continue;
            }
            const std::size_t next = std::min(component.find('{', at), component.size());
            const std::string_view literal = component.substr(at, next - at);
            if (!std::all_of(literal.begin(), literal.end(), path_safe)) {
                return quoted + ": its own text may hold letters, digits, '.', '-' and '_' only, not '" +
                       std::string(literal) + "'";
            }
            pieces.push_back({std::string(literal), std::nullopt});
            at = next;
        }
        layout.components_.push_back(std::move(pieces));
        start = slash + 1;
    }
    if (layout.fields_.empty()) {
        return quoted + ": names no element, so every file would be written to one path";
    }
    return layout;
}

std::vector<std::string> OutputLayout::values_of(const DatasetView& dataset) const {
    std::vector<std::string> values;
    for (const auto& field : fields_) {
        const auto found = dataset.values(field.path_id());
        values.emplace_back(found ? unpadded(join_multi_value(*found)) : std::string_view{});
    }
    return values;
}

std::filesystem::path OutputLayout::path_for(const DatasetView& output) const {
    const std::vector<std::string> values = values_of(output);
    std::filesystem::path path;
    for (const auto& pieces : components_) {
        std::string component;
        for (const auto& piece : pieces) {
            component += piece.field ? path_text(values[*piece.field]) : piece.literal;
        }
        if (component.starts_with(".")) {
            component.insert(0, "_");
        }
        component.resize(std::min(component.size(), kLongestComponent));
        path /= component;
    }
    return path;
}

}  // namespace deid
