#pragma once

// The `deid_func:` built-ins, registered in one place (builtins.cpp): the
// resolver looks names and options up here, so a recipe that names an
// unknown built-in or option is refused before any file is touched, and the
// evaluator calls the same entry's `compute`.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deid::stdlib {

struct BuiltinContext;

enum class OptionType { integer, boolean, text };

struct OptionSpec {
    std::string_view name;
    OptionType type = OptionType::text;
    // Why a value cannot be this option's ("a range of days FIRST..LAST ..."),
    // or nothing; lint reports it as an error.
    std::optional<std::string> (*problem)(std::string_view value) = nullptr;
};

// What a built-in sees of the element it computes a value for.
struct BuiltinCall {
    std::string_view field_name;  // keyword (or nested name) of the element
    std::string_view original;    // its current value, multi-valued joined with '\'
    std::string_view vr;
    const std::map<std::string, std::string>& options;  // as written in the recipe
    std::string_view path{};                     // the element's path id ("" for one ADD creates)
    const BuiltinContext* context = nullptr;     // the run's and file's, when the caller gives them
};

struct Builtin {
    std::string_view name;
    std::string_view summary;
    std::vector<OptionSpec> options;
    // The new value, or nullopt when none can be computed (the caller warns
    // and leaves the element as it is).
    std::optional<std::string> (*compute)(const BuiltinCall& call) = nullptr;
    // Reads the value an element had before any action (an earlier action
    // may have blanked it): the evaluator gives it, from the caller's
    // context or from its own record of the run's changes.
    bool needs_file_context = false;
    // Derived from the site's pseudonym key: a run that calls it has one
    // (--key-file, else the per-user key; README "Keyed pseudonyms").
    bool needs_key = false;
    // Also reads the file's identifying values (engine/identity.hpp), which
    // cost a pass over the file to collect: the caller must give them.
    bool needs_identifying_values = false;
};

[[nodiscard]] const std::vector<Builtin>& builtins();
[[nodiscard]] const Builtin* find_builtin(std::string_view name);
[[nodiscard]] const OptionSpec* find_option(const Builtin& builtin, std::string_view option);

}  // namespace deid::stdlib
