#include "stdlib/ctp/builtins.hpp"

#include <cstdio>

#include "grammar/ctp/script.hpp"
#include "stdlib/builtin_context.hpp"
#include "stdlib/ctp/interpreter.hpp"
#include "stdlib/date_shift.hpp"
#include "stdlib/pseudonyms.hpp"

namespace deid::stdlib::ctp {
namespace {

using deid::ctp::Argument;
using deid::ctp::Call;
using deid::ctp::Script;
using deid::ctp::Text;

std::string tag_step(std::uint32_t tag) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "(%04X,%04X)", tag >> 16U, tag & 0xFFFFU);
    return buffer;
}

// What the script reads, from the built-in's call: the element itself and,
// by path, the values every element had before any action (the
// evaluator's record, BuiltinContext::values_before). `keyed`: deid's keyed
// pseudonyms for CTP's hashing and date functions, with the run's key.
class CallInput final : public ScriptInput, private KeyedPseudonyms {
public:
    CallInput(const BuiltinCall& call, bool keyed) : call_(call), keyed_(keyed) {}

    std::uint32_t own_tag() const override {
        const std::string_view path = call_.path;
        const auto step = path.substr(path.rfind("__") == std::string_view::npos ? 0 : path.rfind("__") + 2);
        unsigned group = 0;
        unsigned element = 0;
        if (std::sscanf(std::string(step).c_str(), "(%4x,%4x)", &group, &element) != 2) {
            return 0;
        }
        return (group << 16U) | element;
    }

    std::optional<std::string> own_value() const override {
        if (call_.element_absent) {
            return std::nullopt;
        }
        return value_before_actions(call_);
    }

    std::optional<std::string> value(const ElementPath& path) const override {
        const std::string full = path_of(path);
        if (full == call_.path) {
            return own_value();
        }
        const auto* values = call_.context != nullptr ? call_.context->values_before : nullptr;
        return values != nullptr ? values->value(full) : std::nullopt;
    }

    bool at_root() const override { return call_.path.find("__") == std::string_view::npos; }

    const KeyedPseudonyms* keyed() const override { return keyed_ ? this : nullptr; }

private:
    // Without a key (a caller that has none): empty, never the original.
    std::string_view key() const { return call_.context != nullptr ? call_.context->pseudonym_key : std::string_view{}; }

    std::string uid(std::string_view uid) const override {
        return key().empty() ? std::string() : deid::stdlib::hash_uid(uid, key());
    }

    std::string id(std::string_view value, std::string_view reference, int length) const override {
        if (key().empty()) {
            return "";
        }
        const auto path = reference == "this" || reference.empty() ? std::optional<ElementPath>() : parse_element_path(reference);
        return hash_id_at(path ? path_of(*path) : std::string(call_.path), value, call_.context->issuer_of_patient_id, "",
                          length, key());
    }

    std::optional<std::string> date(std::string_view value) const override {
        if (key().empty()) {
            return "";
        }
        const std::int64_t days = date_offset(call_.context->patient_id, call_.context->issuer_of_patient_id, {}, key());
        if (call_.context->report != nullptr && !call_.context->report->date_offset) {
            call_.context->report->date_offset = days;
        }
        return shift_date_value(value, "", days);
    }

    // The path id of an element the script names: in the item of the
    // script's element unless from the root.
    std::string path_of(const ElementPath& path) const {
        std::string full = path.from_root ? std::string() : item_prefix(call_.path);
        for (std::size_t i = 0; i < path.tags.size(); ++i) {
            full += (i == 0 ? "" : "__0__") + tag_step(path.tags[i]);
        }
        return full;
    }

    const BuiltinCall& call_;
    bool keyed_;
};

Decision decision_of(const Outcome& outcome) {
    switch (outcome.kind) {
        case Outcome::Kind::set: return {Decision::Kind::set, outcome.value, {}, false};
        case Outcome::Kind::keep: return {Decision::Kind::keep, {}, {}, false};
        case Outcome::Kind::blank: return {Decision::Kind::blank, {}, {}, false};
        case Outcome::Kind::remove: return {Decision::Kind::remove, {}, {}, false};
    }
    return {};
}

std::optional<std::string> option(const BuiltinCall& call, const std::string& name) {
    const auto found = call.options.find(name);
    if (found == call.options.end()) {
        return std::nullopt;
    }
    return percent_decode(found->second);
}

// Runs CTP's function on the element, and decides as CTP would on the
// resulting replacement.
std::optional<Decision> run(const BuiltinCall& call, const Call& function) {
    const CallInput input(call, false);
    try {
        return decision_of(outcome_of(call_function(function, input), !call.element_absent));
    } catch (const FileHeld& held) {
        return Decision{held.kind == FileHeld::Kind::quarantine ? Decision::Kind::quarantine_file : Decision::Kind::skip_file,
                        held.what(), {}, false};
    }
}

// A call of `function` whose arguments are the options named, in order; an
// element option missing stands for "this"; the trailing text options that
// are missing are left out, as a script would leave them out.
std::optional<Decision> call_with(const BuiltinCall& call, std::string function,
                                  std::initializer_list<std::pair<const char*, const char*>> arguments) {
    Call made;
    made.name = std::move(function);
    std::vector<std::optional<std::string>> values;
    for (const auto& [name, fallback] : arguments) {
        auto value = option(call, name);
        values.push_back(value ? value : (fallback != nullptr ? std::optional<std::string>(fallback) : std::nullopt));
    }
    while (!values.empty() && !values.back()) {
        values.pop_back();
    }
    for (auto& value : values) {
        made.arguments.push_back(Argument{value.value_or(""), {}});
    }
    return run(call, made);
}

}  // namespace

std::optional<Decision> decide_hashuid(const BuiltinCall& call) { return call_with(call, "hashuid", {{"root", nullptr}, {"of", "this"}}); }
std::optional<Decision> decide_hash(const BuiltinCall& call) { return call_with(call, "hash", {{"of", "this"}, {"length", nullptr}}); }
std::optional<Decision> decide_hashname(const BuiltinCall& call) {
    return call_with(call, "hashname", {{"of", "this"}, {"length", "4"}, {"words", nullptr}});
}
std::optional<Decision> decide_hashptid(const BuiltinCall& call) {
    return call_with(call, "hashptid", {{"site", ""}, {"of", "this"}, {"length", nullptr}});
}
std::optional<Decision> decide_hashdate(const BuiltinCall& call) { return call_with(call, "hashdate", {{"of", "this"}, {"key", "this"}}); }
std::optional<Decision> decide_incrementdate(const BuiltinCall& call) {
    return call_with(call, "incrementdate", {{"of", "this"}, {"days", "0"}});
}
std::optional<Decision> decide_modifydate(const BuiltinCall& call) {
    return call_with(call, "modifydate", {{"of", "this"}, {"year", "*"}, {"month", "*"}, {"day", "*"}});
}
std::optional<Decision> decide_initials(const BuiltinCall& call) { return call_with(call, "initials", {{"of", "this"}, {"offset", nullptr}}); }
std::optional<Decision> decide_lowercase(const BuiltinCall& call) { return call_with(call, "lowercase", {{"of", "this"}}); }
std::optional<Decision> decide_uppercase(const BuiltinCall& call) { return call_with(call, "uppercase", {{"of", "this"}}); }
std::optional<Decision> decide_round(const BuiltinCall& call) { return call_with(call, "round", {{"of", "this"}, {"size", "1"}}); }
std::optional<Decision> decide_truncate(const BuiltinCall& call) { return call_with(call, "truncate", {{"of", "this"}, {"length", nullptr}}); }
std::optional<Decision> decide_contents(const BuiltinCall& call) {
    return call_with(call, "contents", {{"of", "this"}, {"regex", nullptr}, {"replacement", nullptr}});
}
std::optional<Decision> decide_value(const BuiltinCall& call) { return call_with(call, "value", {{"of", "this"}, {"default", nullptr}}); }
std::optional<Decision> decide_pathelement(const BuiltinCall& call) {
    return call_with(call, "pathelement", {{"of", "this"}, {"index", nullptr}});
}
std::optional<Decision> decide_date(const BuiltinCall& call) { return call_with(call, "date", {{"separator", nullptr}}); }
std::optional<Decision> decide_time(const BuiltinCall& call) { return call_with(call, "time", {{"separator", nullptr}}); }
std::optional<Decision> decide_require(const BuiltinCall& call) { return call_with(call, "require", {{"of", nullptr}, {"default", nullptr}}); }

std::optional<Decision> decide_append(const BuiltinCall& call) {
    Call made;
    made.name = "append";
    made.clauses.push_back(Script{{Text{option(call, "text").value_or(""), {}}}, {}});
    return run(call, made);
}

std::optional<Decision> decide_blank(const BuiltinCall& call) {
    Call made;
    made.name = "blank";
    made.arguments.push_back(Argument{option(call, "count").value_or("0"), {}});
    return run(call, made);
}

std::optional<Decision> decide_text(const BuiltinCall& call) {
    const auto text = option(call, "text");
    if (!text) {
        return std::nullopt;
    }
    return decision_of(outcome_of(*text, !call.element_absent));
}

std::optional<Decision> decide_method_codes(const BuiltinCall& call) {
    const auto text = option(call, "codes");
    if (!text) {
        return std::nullopt;
    }
    const MethodCodes codes = method_codes(*text);
    Decision decision{Decision::Kind::append_codes, {}, {}, codes.replace};
    for (const auto& code : codes.items) {
        decision.codes.push_back({code.scheme, code.value, code.meaning});
    }
    return decision;
}

std::optional<Decision> decide_quarantine(const BuiltinCall&) {
    return Decision{Decision::Kind::quarantine_file, "@quarantine()", {}, false};
}
std::optional<Decision> decide_skip(const BuiltinCall&) { return Decision{Decision::Kind::skip_file, "@skip()", {}, false}; }

namespace {

// A whole element script, run as CTP runs it; `keyed`: --ctp-keyed.
std::optional<Decision> run_script(const BuiltinCall& call, bool keyed) {
    const auto text = option(call, "script");
    if (!text) {
        return std::nullopt;
    }
    const auto parsed = deid::ctp::parse_script(*text);
    if (!parsed.errors.empty()) {
        return std::nullopt;
    }
    const CallInput input(call, keyed);
    try {
        return decision_of(outcome_of(make_replacement(parsed.script, input), !call.element_absent));
    } catch (const FileHeld& held) {
        return Decision{held.kind == FileHeld::Kind::quarantine ? Decision::Kind::quarantine_file : Decision::Kind::skip_file,
                        held.what(), {}, false};
    }
}

}  // namespace

std::optional<Decision> decide_script(const BuiltinCall& call) { return run_script(call, false); }
std::optional<Decision> decide_keyed_script(const BuiltinCall& call) { return run_script(call, true); }

std::optional<std::string> percent_encoding_problem(std::string_view value) {
    if (percent_decode(value)) {
        return std::nullopt;
    }
    return "text whose '%' is followed by two hexadecimal digits (write %25 for '%')";
}

namespace {

std::optional<std::string> check_pieces(const Script& script);

std::optional<std::string> check_call(const Call& call) {
    if (const auto reason = unsupported_reason(call.name)) {
        return "@" + call.name + " is not supported: " + *reason;
    }
    if (!is_supported_function(call.name)) {
        return "unknown CTP function @" + call.name;
    }
    for (std::size_t i = 0; i < call.arguments.size(); ++i) {
        const std::string& text = call.arguments[i].text;
        if (argument_kind(call.name, i) == ArgumentKind::element && text != "this" && !text.empty() &&
            !parse_element_path(text)) {
            return "the element '" + text + "' of @" + call.name +
                   " must be written as a tag [gggg,eeee] (or 'this') inside deid_func:ctp_script";
        }
    }
    for (const auto& clause : call.clauses) {
        if (auto problem = check_pieces(clause)) {
            return problem;
        }
    }
    return std::nullopt;
}

std::optional<std::string> check_pieces(const Script& script) {
    for (const auto& piece : script.pieces) {
        if (const auto* call = std::get_if<Call>(&piece)) {
            if (auto problem = check_call(*call)) {
                return problem;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> script_problem(std::string_view value) {
    const auto text = percent_decode(value);
    if (!text) {
        return percent_encoding_problem(value);
    }
    const auto parsed = deid::ctp::parse_script(*text);
    std::optional<std::string> problem;
    if (!parsed.errors.empty()) {
        problem = "the CTP script does not parse: " + parsed.errors.front().message;
    } else {
        problem = check_pieces(parsed.script);
    }
    if (!problem) {
        return std::nullopt;
    }
    return "a CTP script deid runs (" + *problem + ")";
}

}  // namespace deid::stdlib::ctp
