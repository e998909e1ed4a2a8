#include "interpreter/resolve/value_binding.hpp"

#include <algorithm>
#include <charconv>

#include "support/strings.hpp"
#include "support/suggest.hpp"

namespace deid {
namespace {

bool is_integer(std::string_view text) { return parse_integer(text).has_value(); }

bool is_date_vr(std::string_view vr) { return vr == "DA" || vr == "DT"; }

// The built-ins a misspelt name may have meant: RSNA CTP's (ctp_*) only
// for a name of that family, the others otherwise.
std::vector<std::string> builtins_like(std::string_view name) {
    const bool ctp = name.starts_with("ctp_");
    std::vector<std::string> names;
    for (const auto& builtin : stdlib::builtins()) {
        if (builtin.name.starts_with("ctp_") == ctp) {
            names.emplace_back(builtin.name);
        }
    }
    return names;
}

std::string names_of_builtins(std::string_view name) {
    std::string out;
    for (const auto& known : builtins_like(name)) {
        out += (out.empty() ? "" : ", ") + known;
    }
    return out;
}

std::string names_of_options(const stdlib::Builtin& builtin) {
    if (builtin.options.empty()) {
        return "it takes none";
    }
    std::string out = "expected ";
    for (std::size_t i = 0; i < builtin.options.size(); ++i) {
        out += (i == 0 ? "" : ", ") + std::string(builtin.options[i].name);
    }
    return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    if (auto match = closest_match(word, candidates)) {
        return " (did you mean '" + *match + "'?)";
    }
    return "";
}

std::optional<plan::ValueSource> bind_builtin(const ast::BuiltinValue& call, const ElementOptionBinder& bind_element,
                                              Diagnostics& diagnostics) {
    const stdlib::Builtin* builtin = stdlib::find_builtin(call.name);
    if (builtin == nullptr) {
        diagnostics.error(call.name_span, "unknown-builtin",
                          "unknown built-in 'deid_func:" + call.name + "' (expected " + names_of_builtins(call.name) + ")" +
                              did_you_mean(call.name, builtins_like(call.name)));
        return std::nullopt;
    }
    if (call.name == "simple_uuid") {
        diagnostics.note(call.name_span, "simple-uuid",
                         "deid_func:simple_uuid exists only here: the established tool's documentation names it, but "
                         "its code registers deid_func:basic_uuid (the same random UUID4) and leaves the element as "
                         "it was for simple_uuid");
    }
    plan::BuiltinSource source{builtin, {}};
    bool valid = true;
    for (const auto& option : call.options) {
        const stdlib::OptionSpec* spec = stdlib::find_option(*builtin, option.key);
        if (spec == nullptr) {
            std::vector<std::string> names;
            for (const auto& known : builtin->options) {
                names.emplace_back(known.name);
            }
            diagnostics.error(option.span, "unknown-option",
                              "unknown option '" + option.key + "' for deid_func:" + call.name + " (" +
                                  names_of_options(*builtin) + ")" + did_you_mean(option.key, names));
            valid = false;
            continue;
        }
        const std::string lowered = to_lower(option.value);
        if (spec->type == stdlib::OptionType::integer && !is_integer(option.value)) {
            diagnostics.error(option.span, "bad-option",
                              "option '" + option.key + "' of deid_func:" + call.name + " needs a whole number, found '" +
                                  option.value + "'");
            valid = false;
        } else if (spec->type == stdlib::OptionType::boolean && lowered != "true" && lowered != "false") {
            diagnostics.error(option.span, "bad-option",
                              "option '" + option.key + "' of deid_func:" + call.name + " needs true or false, found '" +
                                  option.value + "'");
            valid = false;
        } else if (const auto problem = spec->problem != nullptr ? spec->problem(option.value) : std::nullopt) {
            diagnostics.error(option.span, "bad-option",
                              "option '" + option.key + "' of deid_func:" + call.name + " needs " + *problem +
                                  ", found '" + option.value + "'");
            valid = false;
        }
        if (spec->type == stdlib::OptionType::element) {
            const auto tag = bind_element(option.value, option.span);
            if (!tag) {
                valid = false;
                continue;
            }
            source.options[option.key] = *tag;
            continue;
        }
        source.options[option.key] = option.value;
    }
    for (const auto& spec : builtin->options) {
        if (spec.required && std::none_of(call.options.begin(), call.options.end(),
                                          [&](const ast::BuiltinOption& option) { return option.key == spec.name; })) {
            diagnostics.error(call.name_span, "missing-option",
                              "deid_func:" + call.name + " needs option '" + std::string(spec.name) + "'");
            valid = false;
        }
    }
    if (!valid) {
        return std::nullopt;
    }
    return source;
}

}  // namespace

std::optional<plan::ValueSource> bind_value(const ast::HeaderAction& action, const std::optional<DictionaryEntry>& target,
                                            const ResolveOptions& options, const ElementOptionBinder& bind_element,
                                            Diagnostics& diagnostics) {
    if (!action.value) {
        return std::nullopt;
    }
    const ast::Value& value = *action.value;
    const bool is_remove = action.kind == ast::ActionKind::remove;
    if (is_remove && !std::holds_alternative<ast::FunctionValue>(value.kind)) {
        diagnostics.warning(value.span, "remove-value-ignored",
                            "REMOVE does not filter by '" + value.text + "': every element " + action.field.text +
                                " selects is removed (only func:NAME decides per element; to remove by value, use "
                                "REMOVE values:GROUP)");
    }

    const auto* builtin = std::get_if<ast::BuiltinValue>(&value.kind);
    const bool shifts_dates = action.kind == ast::ActionKind::jitter || (builtin && builtin->name == "jitter");
    if (shifts_dates && target && !is_date_vr(target->vr)) {
        diagnostics.warning(value.span, "jitter-vr",
                            "jitter shifts dates (DA, DT); " + target->keyword + " is " + target->vr +
                                " and will be left as it is");
        if (target->vr == "TM" || target->vr == "DS" || target->vr == "SH") {
            diagnostics.note(value.span, "jitter-made-date",
                             "the established tool's lenient date parser turns a " + target->vr +
                                 " value into a date, filling what is missing from today's date, so its output "
                                 "differs from day to day");
        }
    }

    return std::visit(
        [&](const auto& kind) -> std::optional<plan::ValueSource> {
            using Kind = std::decay_t<decltype(kind)>;
            if constexpr (std::is_same_v<Kind, ast::LiteralValue>) {
                if (action.kind == ast::ActionKind::jitter && !is_integer(kind.text)) {
                    diagnostics.error(value.span, "bad-jitter",
                                      "JITTER needs a whole number of days, var:NAME or func:NAME; found '" + kind.text +
                                          "'");
                    return std::nullopt;
                }
                const bool quoted = kind.text.size() >= 2 && (kind.text.front() == '"' || kind.text.front() == '\'') &&
                                    kind.text.back() == kind.text.front();
                const auto quotes = std::count(kind.text.begin(), kind.text.end(), '"');
                if (quotes % 2 == 1 && !is_remove) {
                    diagnostics.warning(value.span, "quoted-literal",
                                        "unbalanced '\"' in the value: " + action.field.text + " becomes " + kind.text +
                                            " with the quote character");
                } else if (quoted && !is_remove) {
                    diagnostics.warning(value.span, "quoted-literal",
                                        "the quotes are part of the value: " + action.field.text + " becomes " +
                                            kind.text + " with the quote characters (write the value without quotes)");
                }
                return plan::LiteralSource{kind.text};
            } else if constexpr (std::is_same_v<Kind, ast::VariableValue>) {
                return plan::VariableSource{kind.name};
            } else if constexpr (std::is_same_v<Kind, ast::FunctionValue>) {
                if (options.user_functions && !options.user_functions->contains(kind.name)) {
                    diagnostics.error(value.span, "unknown-function",
                                      "func:" + kind.name + " is not defined by the Lua scripts given with --lua");
                    return std::nullopt;
                }
                return plan::FunctionSource{kind.name};
            } else {
                return bind_builtin(kind, bind_element, diagnostics);
            }
        },
        value.kind);
}

}  // namespace deid
