#include "stdlib/ctp/interpreter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>

#include <re2/re2.h>

#include "stdlib/ctp/functions.hpp"
#include "stdlib/pseudonyms.hpp"

namespace deid::stdlib::ctp {
namespace {

using deid::ctp::Call;
using deid::ctp::Piece;
using deid::ctp::Script;
using deid::ctp::Text;

constexpr std::size_t kMostBlanks = 55;  // CTP's @blank(n) writes at most its 55-blank constant

bool is_hex(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::optional<std::uint32_t> hex_value(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// DicomObject.getElementTag without the dictionary: a tag in hex, whole or
// as group,element, bare or in (), [] or {}.
std::optional<std::uint32_t> tag_of(std::string_view name) {
    name = java_trim(name);
    if (name.size() >= 2 && ((name.front() == '[' && name.back() == ']') || (name.front() == '(' && name.back() == ')') ||
                             (name.front() == '{' && name.back() == '}'))) {
        name = java_trim(name.substr(1, name.size() - 2));
    }
    if (name.size() <= 8 && is_hex(name)) {
        return hex_value(name);
    }
    const auto comma = name.find(',');
    if (comma == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view group = name.substr(0, comma);
    const std::string_view element = name.substr(comma + 1);
    if (group.size() > 4 || element.empty() || element.size() > 4 || (!group.empty() && !is_hex(group)) || !is_hex(element)) {
        return std::nullopt;
    }
    const std::uint32_t g = group.empty() ? 0 : *hex_value(group);
    return (g << 16U) | *hex_value(element);
}

// FnCall.getArg(k): the argument with surrounding quotes removed; "" past the end.
std::string text_argument(const Call& call, std::size_t index) {
    if (index >= call.arguments.size()) {
        return "";
    }
    std::string_view text = java_trim(call.arguments[index].text);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        text = text.substr(1, text.size() - 2);
    }
    return std::string(text);
}

// DICOMAnonymizerContext.getParam: parameters were put in place when the
// script was compiled, so an argument is itself (trimmed); a reference that
// is left names a parameter the script does not define (CTP: null).
std::optional<std::string> parameter(const Call& call, std::size_t index) {
    if (index >= call.arguments.size()) {
        return std::nullopt;
    }
    const std::string_view text = java_trim(call.arguments[index].text);
    if (text.starts_with('@') || text.starts_with('$')) {
        return std::nullopt;
    }
    return std::string(text);
}

// Java's String.valueOf of a parameter: null reads "null".
std::string parameter_or_null(const Call& call, std::size_t index) { return parameter(call, index).value_or("null"); }

class Run {
public:
    explicit Run(const ScriptInput& input) : input_(input) {}

    std::string script(const Script& script) const {
        std::string out;
        for (const Piece& piece : script.pieces) {
            if (const auto* text = std::get_if<Text>(&piece)) {
                out += text->text;
            } else {
                out += call(std::get<Call>(piece));
            }
        }
        return out;
    }

    std::string call(const Call& call) const {
        const std::string& name = call.name;
        if (const auto* keyed = input_.keyed(); keyed != nullptr && is_keyed_function(name)) {
            return keyed_call(call, *keyed);
        }
        if (name == "contents") return contents_function(call);
        if (name == "value") return value_function(call);
        if (name == "truncate") return truncate(call);
        if (name == "date") return date_or_time(input_.today(), text_argument(call, 0), 4);
        if (name == "time") return date_or_time(input_.now(), text_argument(call, 0), 2);
        if (name == "hash") return hash_function(call);
        if (name == "hashname") return hashname(call);
        if (name == "hashptid") return hashptid(call);
        if (name == "hashuid") return hashuid(call);
        if (name == "if") return script(call.clauses.at(test(call) ? 0 : 1));
        if (name == "select") return script(call.clauses.at(input_.at_root() ? 0 : 1));
        if (name == "append") return append(call);
        if (name == "always") return "";
        if (name == "hashdate") return hashdate(call);
        if (name == "incrementdate") return incrementdate(call);
        if (name == "lowercase") return lower(contents_of(call, 0));
        if (name == "uppercase") return upper(contents_of(call, 0));
        if (name == "modifydate") return modifydate(call);
        if (name == "initials") return initials_function(call);
        if (name == "param") return parameter_or_null(call, 0);
        if (name == "quarantine") throw FileHeld(FileHeld::Kind::quarantine, "@quarantine()");
        if (name == "skip") throw FileHeld(FileHeld::Kind::skip, "@skip()");
        if (name == "require") return require(call);
        if (name == "round") return round_function(call);
        if (name == "process") return "@keep()";
        if (name == "pathelement") return pathelement(call);
        // @keep(), @remove(), @empty(), @blank(n) and every function CTP does
        // not know are written back as they stand; their meaning is decided
        // on the whole replacement (outcome_of).
        return "@" + name + arguments_text(call);
    }

private:
    // --ctp-keyed: a call of is_keyed_function, with CTP's answers to calls
    // it cannot run and to absent elements, and deid's keyed values.
    std::string keyed_call(const Call& call, const KeyedPseudonyms& keyed) const {
        const std::string& name = call.name;
        auto length = [&](std::size_t index) {
            return keyed_id_length(index < call.arguments.size() ? java_parse_long(parameter(call, index).value_or(""))
                                                                 : std::nullopt);
        };
        if (name == "hashuid") {
            if (call.arguments.size() != 2 || !parameter(call, 0)) {
                return arguments_text(call);
            }
            const auto uid = contents_or_null(call.arguments[1].text);
            return uid ? keyed.uid(*uid) : "@remove()";
        }
        if (name == "hash") {
            const auto value = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
            return value ? keyed.id(*value, java_trim(call.arguments[0].text), length(1)) : "@remove()";
        }
        if (name == "hashname" || name == "hashptid") {
            if (call.arguments.size() < 2) {
                return arguments_text(call);
            }
            const std::size_t of = name == "hashname" ? 0 : 1;
            return keyed.id(contents_of(call, of), java_trim(call.arguments[of].text), length(of + 1));
        }
        // @incrementdate, @hashdate: the patient's offset, whatever the days
        // or the element hashed for them.
        const auto date = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
        if (!date) {
            return "@remove()";
        }
        if (date->size() < 8) {
            return "@empty()";
        }
        return keyed.date(*date).value_or("@empty()");
    }

    // FnCall.getArgs: "(a,b)".
    static std::string arguments_text(const Call& call) {
        std::string out = "(";
        for (std::size_t i = 0; i < call.arguments.size(); ++i) {
            out += (i == 0 ? "" : ",") + call.arguments[i].text;
        }
        return out + ")";
    }

    // contentsNull: the element's value, nullopt when it is absent or named
    // in a way this run cannot read.
    std::optional<std::string> contents_or_null(std::string_view reference) const {
        reference = java_trim(reference);
        if (reference == "this") {
            return input_.own_value();
        }
        const auto path = parse_element_path(reference);
        return path ? input_.value(*path) : std::nullopt;
    }

    std::string contents_of(const Call& call, std::size_t index) const {
        return index < call.arguments.size() ? contents_or_null(call.arguments[index].text).value_or("") : "";
    }

    static std::string lower(std::string text) {
        std::transform(text.begin(), text.end(), text.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
        return text;
    }
    static std::string upper(std::string text) {
        std::transform(text.begin(), text.end(), text.begin(), [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
        return text;
    }

    // Java's String.replaceAll with a Java regular expression, through RE2
    // ($n in the replacement is group n; \x is x).
    static std::optional<std::string> replace_all(std::string value, const std::string& pattern, std::string_view replacement) {
        const RE2 regex(pattern, RE2::Quiet);
        if (!regex.ok()) {
            return std::nullopt;
        }
        std::string rewrite;
        for (std::size_t i = 0; i < replacement.size(); ++i) {
            const char c = replacement[i];
            if (c == '\\' && i + 1 < replacement.size()) {
                const char next = replacement[++i];
                rewrite += next == '\\' ? std::string("\\\\") : std::string(1, next);
            } else if (c == '$' && i + 1 < replacement.size() && replacement[i + 1] >= '0' && replacement[i + 1] <= '9') {
                rewrite += '\\';
                rewrite += replacement[++i];
            } else {
                rewrite += c;
            }
        }
        RE2::GlobalReplace(&value, regex, rewrite);
        return value;
    }

    std::string contents_function(const Call& call) const {
        const std::string value = contents_of(call, 0);
        if (call.arguments.size() <= 1) {
            return value;
        }
        if (call.arguments.size() > 3) {
            return "";
        }
        const std::string replacement = call.arguments.size() == 3 ? text_argument(call, 2) : "";
        return replace_all(value, text_argument(call, 1), replacement).value_or(value);
    }

    std::string value_function(const Call& call) const {
        const std::string value = contents_of(call, 0);
        return value.empty() ? text_argument(call, 1) : value;
    }

    std::string truncate(const Call& call) const {
        std::string value = contents_of(call, 0);
        if (call.arguments.size() < 2) {
            return value;
        }
        const auto count = java_parse_int(call.arguments[1].text);
        if (!count) {
            return value;
        }
        if (*count >= 0) {
            return value.substr(0, std::min<std::size_t>(value.size(), static_cast<std::size_t>(*count)));
        }
        const std::string_view trimmed = java_trim(value);
        const std::size_t keep = std::min<std::size_t>(trimmed.size(), static_cast<std::size_t>(-static_cast<std::int64_t>(*count)));
        return std::string(trimmed.substr(trimmed.size() - keep));
    }

    // @date(sep) and @time(sep): YYYY sep MM sep DD, HH sep MM sep SS.
    static std::string date_or_time(const std::string& digits, const std::string& separator, std::size_t first) {
        return digits.substr(0, first) + separator + digits.substr(first, 2) + separator + digits.substr(first + 2, 2);
    }

    static std::int64_t length_or_all(const std::optional<std::string>& text) {
        if (!text || text->empty()) {
            return 0;
        }
        return java_parse_int(*text).value_or(0);
    }

    std::string hash_function(const Call& call) const {
        const auto value = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
        if (!value) {
            return "@remove()";
        }
        return hash(*value, call.arguments.size() > 1 ? length_or_all(parameter(call, 1)) : 0);
    }

    std::string hashname(const Call& call) const {
        if (call.arguments.size() < 2) {
            return arguments_text(call);  // CTP's answer to a call it cannot run
        }
        const auto length = java_parse_int(parameter(call, 1).value_or(""));
        const auto words = call.arguments.size() > 2 ? java_parse_int(parameter(call, 2).value_or("")) : std::nullopt;
        return hash_name(contents_of(call, 0), length.value_or(4), words.value_or(0));
    }

    std::string hashptid(const Call& call) const {
        if (call.arguments.size() < 2) {
            return arguments_text(call);
        }
        const auto site = parameter(call, 0);
        const auto id = contents_or_null(call.arguments[1].text);
        const auto length = call.arguments.size() >= 3 ? java_parse_int(parameter(call, 2).value_or("")) : std::nullopt;
        return hash_patient_id(site.value_or(""), id.value_or("null"), length.value_or(0));
    }

    std::string hashuid(const Call& call) const {
        const auto prefix = parameter(call, 0);
        if (call.arguments.size() < 2 || call.arguments.size() > 2 || !prefix) {
            return arguments_text(call);
        }
        const auto uid = contents_or_null(call.arguments[1].text);
        if (!uid) {
            return "@remove()";
        }
        return hash_uid(prefix->ends_with('.') ? *prefix : *prefix + ".", *uid);
    }

    // testCondition of @if(element, condition[, value]).
    bool test(const Call& call) const {
        if (call.arguments.size() < 2) {
            return false;
        }
        const std::string element = contents_of(call, 0);
        const std::string condition(java_trim(call.arguments[1].text));
        auto compared = [&] {
            std::string value = text_argument(call, 2);
            if (value.starts_with('@')) {
                value = parameter(call, 2).value_or(value);
            }
            return value;
        };
        if (condition == "isblank") {
            return java_trim(element).empty();
        }
        if (condition == "exists") {
            const std::string reference(java_trim(call.arguments[0].text));
            return reference.empty() || reference == "this" ? input_.own_value().has_value()
                                                            : contents_or_null(reference).has_value();
        }
        if (call.arguments.size() < 3) {
            return false;
        }
        if (condition == "contains") {
            return lower(element).find(lower(compared())) != std::string::npos;
        }
        if (condition == "equals") {
            return lower(element) == lower(compared());
        }
        if (condition == "matches") {
            const RE2 regex(std::string(java_trim(compared())), RE2::Quiet);
            return regex.ok() && RE2::FullMatch(element, regex);
        }
        if (condition == "greaterthan") {
            auto digits = [](const std::string& text) {
                std::string kept;
                std::copy_if(text.begin(), text.end(), std::back_inserter(kept), [](char c) { return c >= '0' && c <= '9'; });
                return java_parse_int(kept).value_or(0);
            };
            return digits(element) > digits(compared());
        }
        return false;
    }

    std::string append(const Call& call) const {
        const std::string value = script(call.clauses.at(0));
        const auto own = input_.own_value();
        if (!own || own->empty()) {
            return value;
        }
        return *own + "\\" + value;
    }

    template <typename Change>
    static std::string each_date(const std::string& date, Change change) {
        std::string out;
        std::string_view rest = date;
        bool first = true;
        while (true) {
            const auto backslash = rest.find('\\');
            const auto changed = change(rest.substr(0, backslash));
            if (!changed) {
                return "@empty()";
            }
            out += (first ? "" : "\\") + *changed;
            first = false;
            if (backslash == std::string_view::npos) {
                return out;
            }
            rest = rest.substr(backslash + 1);
        }
    }

    std::string hashdate(const Call& call) const {
        const auto date = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
        if (!date) {
            return "@remove()";
        }
        if (date->size() < 8) {
            return "@empty()";
        }
        const auto key = call.arguments.size() < 2 ? std::nullopt : contents_or_null(call.arguments[1].text);
        if (!key) {
            return "@remove()";
        }
        const std::int64_t days = hashed_date_increment(*key);
        return each_date(*date, [&](std::string_view one) { return increment_date(one, days); });
    }

    std::string incrementdate(const Call& call) const {
        const auto date = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
        if (!date) {
            return "@remove()";
        }
        if (date->size() < 8 || call.arguments.size() != 2) {
            return "@empty()";
        }
        const auto days = java_parse_long(parameter(call, 1).value_or(""));
        if (!days) {
            return "@empty()";
        }
        return each_date(*date, [&](std::string_view one) { return increment_date(one, *days); });
    }

    std::string modifydate(const Call& call) const {
        const auto date = call.arguments.empty() ? std::nullopt : contents_or_null(call.arguments[0].text);
        if (!date) {
            return "@remove()";
        }
        if (date->size() < 8 || call.arguments.size() < 4) {
            return "@empty()";
        }
        std::array<std::int64_t, 3> fields{};
        for (std::size_t i = 0; i < 3; ++i) {
            const auto text = parameter(call, i + 1);
            if (!text) {
                return "@empty()";
            }
            fields[i] = java_parse_int(java_trim(*text)).value_or(-1);
        }
        return each_date(*date, [&](std::string_view one) { return modify_date(one, fields[0], fields[1], fields[2]); });
    }

    std::string initials_function(const Call& call) const {
        std::string result = initials(contents_of(call, 0));
        if (call.arguments.size() > 1) {
            const std::string_view offset = java_trim(call.arguments[1].text);
            result = caesar(result, offset.empty() ? 0 : java_parse_int(offset).value_or(0));
        }
        return result;
    }

    std::string require(const Call& call) const {
        if (input_.own_value()) {
            return "@keep()";
        }
        if (call.arguments.empty()) {
            return "";
        }
        const std::string reference(java_trim(call.arguments[0].text));
        std::optional<std::string> value =
            reference.empty() || reference == "this" ? input_.own_value() : contents_or_null(reference);
        if (!value) {
            value = call.arguments.size() > 1 ? text_argument(call, 1) : "";
        }
        if (java_trim(*value).empty()) {
            return "@blank(" + std::to_string(value->size()) + ")";
        }
        return *value;
    }

    std::string round_function(const Call& call) const {
        const auto size = java_parse_int(parameter(call, 1).value_or(""));
        if (!size) {
            return arguments_text(call);
        }
        const auto rounded = round_age(contents_of(call, 0), *size);
        return rounded ? *rounded : arguments_text(call);
    }

    std::string pathelement(const Call& call) const {
        const std::string value = contents_of(call, 0);
        const auto parsed = call.arguments.size() > 1 ? java_parse_int(call.arguments[1].text) : std::nullopt;
        std::int64_t index = parsed.value_or(1000);
        std::vector<std::string> parts;
        std::string_view rest = value;
        while (true) {
            const auto slash = rest.find('/');
            parts.emplace_back(rest.substr(0, slash));
            if (slash == std::string_view::npos) {
                break;
            }
            rest = rest.substr(slash + 1);
        }
        while (parts.size() > 1 && parts.back().empty()) {
            parts.pop_back();  // String.split drops trailing empty strings
        }
        if (index < 0) {
            index += static_cast<std::int64_t>(parts.size());
        }
        if (index >= 0 && index < static_cast<std::int64_t>(parts.size())) {
            return parts[static_cast<std::size_t>(index)];
        }
        return value;
    }

    const ScriptInput& input_;
};

std::string local_time(const char* format) {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    char buffer[16] = {};
    std::strftime(buffer, sizeof buffer, format, &local);
    return buffer;
}

}  // namespace

std::string ScriptInput::today() const { return local_time("%Y%m%d"); }
std::string ScriptInput::now() const { return local_time("%H%M%S"); }

std::optional<ElementPath> parse_element_path(std::string_view text) {
    text = java_trim(text);
    ElementPath path;
    if (text.starts_with("root:")) {
        path.from_root = true;
        text = java_trim(text.substr(5));
    }
    while (true) {
        const auto separator = text.find("::");
        const auto tag = tag_of(text.substr(0, separator));
        if (!tag) {
            return std::nullopt;
        }
        path.tags.push_back(*tag);
        if (separator == std::string_view::npos) {
            return path;
        }
        text = text.substr(separator + 2);
    }
}

std::string make_replacement(const deid::ctp::Script& script, const ScriptInput& input) { return Run(input).script(script); }

std::string call_function(const deid::ctp::Call& call, const ScriptInput& input) { return Run(input).call(call); }

Outcome outcome_of(const std::string& replacement, bool exists) {
    if (!exists) {
        if (replacement == "@keep()" || replacement == "@remove()") {
            return {Outcome::Kind::keep, {}};
        }
        if (replacement.starts_with("@blank(") || replacement == "@empty()") {
            return {Outcome::Kind::set, ""};
        }
        return {Outcome::Kind::set, replacement};
    }
    const std::string value(java_trim(replacement));
    if (value.find("@remove()") != std::string::npos) {
        return {Outcome::Kind::remove, {}};
    }
    if (value == "@keep()") {
        return {Outcome::Kind::keep, {}};
    }
    if (value.starts_with("@blank(")) {
        std::string digits = "0";
        const std::string_view inside = std::string_view(value).substr(7);
        const auto close = inside.find(')');
        if (close != std::string_view::npos) {
            for (const char c : inside.substr(0, close)) {
                if (c >= '0' && c <= '9') {
                    digits += c;
                }
            }
        }
        const auto count = java_parse_int(digits).value_or(0);
        return {Outcome::Kind::set, std::string(std::min<std::size_t>(static_cast<std::size_t>(std::max(count, 0)), kMostBlanks), ' ')};
    }
    if (value == "@empty()") {
        return {Outcome::Kind::blank, {}};
    }
    return {Outcome::Kind::set, value};
}

namespace {

struct FunctionInfo {
    std::string_view name;
    std::vector<ArgumentKind> arguments;
};

const std::vector<FunctionInfo>& functions() {
    using K = ArgumentKind;
    static const std::vector<FunctionInfo> table = {
        {"always", {}},
        {"append", {}},
        {"blank", {K::word}},
        {"contents", {K::element, K::text, K::text}},
        {"date", {K::text}},
        {"empty", {}},
        {"hash", {K::element, K::parameter}},
        {"hashdate", {K::element, K::element}},
        {"hashname", {K::element, K::parameter, K::parameter}},
        {"hashptid", {K::parameter, K::element, K::parameter}},
        {"hashuid", {K::parameter, K::element}},
        {"if", {K::element, K::word, K::condition_value}},
        {"incrementdate", {K::element, K::parameter}},
        {"initials", {K::element, K::word}},
        {"keep", {}},
        {"lowercase", {K::element}},
        {"modifydate", {K::element, K::parameter, K::parameter, K::parameter}},
        {"param", {K::parameter}},
        {"pathelement", {K::element, K::word}},
        {"process", {}},
        {"quarantine", {}},
        {"remove", {}},
        {"require", {K::element, K::text}},
        {"round", {K::element, K::parameter}},
        {"select", {}},
        {"skip", {}},
        {"time", {K::text}},
        {"truncate", {K::element, K::word}},
        {"uppercase", {K::element}},
        {"value", {K::element, K::text}},
    };
    return table;
}

}  // namespace

bool is_keyed_function(std::string_view name) {
    return name == "hashuid" || name == "hash" || name == "hashname" || name == "hashptid" || name == "incrementdate" ||
           name == "hashdate";
}

int keyed_id_length(std::optional<std::int64_t> ctp_length) {
    if (!ctp_length || *ctp_length <= 0) {
        return kDefaultIdLength;
    }
    return static_cast<int>(std::clamp<std::int64_t>(*ctp_length, kShortestId, kLongestId));
}

bool is_supported_function(std::string_view name) {
    const auto& all = functions();
    return std::any_of(all.begin(), all.end(), [&](const FunctionInfo& f) { return f.name == name; });
}

std::optional<std::string> unsupported_reason(std::string_view name) {
    if (name == "lookup" || name == "dateinterval") {
        return "it reads CTP's lookup table, which the anonymizer stage is given apart from the script; deid has none "
               "(look values up with a func: Lua hook and deid.csv)";
    }
    if (name == "integer") {
        return "it numbers values through CTP's integer table, a database kept across runs; deid keeps no state "
               "between files and runs (use @hash or a func: Lua hook)";
    }
    if (name == "encrypt" || name == "decrypt") {
        return "it needs Blowfish, which deid does not carry";
    }
    if (name == "call") {
        return "it calls a CTP plugin (Java code) that deid cannot run";
    }
    return std::nullopt;
}

ArgumentKind argument_kind(std::string_view function, std::size_t index) {
    for (const auto& info : functions()) {
        if (info.name == function) {
            return index < info.arguments.size() ? info.arguments[index] : ArgumentKind::text;
        }
    }
    return ArgumentKind::text;
}

MethodCodes method_codes(std::string_view text) {
    static const std::map<std::string, std::string, std::less<>> meanings = {
        {"113100", "Basic Application Confidentiality Profile"},
        {"113101", "Clean Pixel Data Option"},
        {"113102", "Clean Recognizable Visual Features Option"},
        {"113103", "Clean Graphics Option"},
        {"113104", "Clean Structured Content Option"},
        {"113105", "Clean Descriptors Option"},
        {"113106", "Retain Longitudinal Temporal Information Full Dates Option"},
        {"113107", "Retain Longitudinal Temporal Information Modified Dates Option"},
        {"113108", "Retain Patient Characteristics Option"},
        {"113109", "Retain Device Identity Option"},
        {"113110", "Retain UIDs"},
        {"113111", "Retain Safe Private Option"},
        {"113112", "Retain Institution Identity Option"},
    };
    MethodCodes codes;
    std::string_view rest = java_trim(text);
    while (true) {
        const auto slash = rest.find('/');
        const std::string code(java_trim(rest.substr(0, slash)));
        std::string lowered = code;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        if (lowered == "reset") {
            codes.replace = true;
            codes.items.clear();
        } else {
            const auto meaning = meanings.find(code);
            codes.items.push_back(meaning == meanings.end() ? MethodCode{"UNKNOWN", code, "UNKNOWN"}
                                                            : MethodCode{"DCM", code, meaning->second});
        }
        if (slash == std::string_view::npos) {
            return codes;
        }
        rest = rest.substr(slash + 1);
    }
}

std::string percent_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '%' || c == '"' || byte < 0x20 || byte == 0x7F) {
            out += '%';
            out += digits[byte >> 4U];
            out += digits[byte & 0x0FU];
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const auto value = hex_value(text.substr(i + 1, 2));
        if (!value) {
            return std::nullopt;
        }
        out += static_cast<char>(*value);
        i += 2;
    }
    return out;
}

}  // namespace deid::stdlib::ctp
