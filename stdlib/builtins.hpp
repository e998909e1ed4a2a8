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

// `element` options name a DICOM element (a keyword, an alias or a tag):
// the resolver binds them and the built-in receives the tag as "(GGGG,EEEE)".
enum class OptionType { integer, boolean, text, element };

struct OptionSpec {
    std::string_view name;
    OptionType type = OptionType::text;
    // Why a value cannot be this option's ("a range of days FIRST..LAST ..."),
    // or nothing; lint reports it as an error.
    std::optional<std::string> (*problem)(std::string_view value) = nullptr;
    // A call without it is a lint error.
    bool required = false;
};

// What a built-in sees of the element it computes a value for.
struct BuiltinCall {
    std::string_view field_name;  // keyword (or nested name) of the element
    std::string_view original;    // its current value, multi-valued joined with '\'
    std::string_view vr;
    const std::map<std::string, std::string>& options;  // as written in the recipe
    std::string_view path{};                     // the element's path id ("" for one ADD creates)
    const BuiltinContext* context = nullptr;     // the run's and file's, when the caller gives them
    bool element_absent = false;                 // ADD is about to create the element
};

// A coded item of a sequence (CodeValue, CodingSchemeDesignator, CodeMeaning).
struct CodedItem {
    std::string scheme;
    std::string value;
    std::string meaning;
};

// What a deciding built-in does with its element. RSNA CTP's functions need
// more than a new value: a script keeps, empties or removes its element,
// holds the whole file back, or writes DeidentificationMethodCodeSequence.
struct Decision {
    enum class Kind { set, keep, blank, remove, quarantine_file, skip_file, append_codes };
    Kind kind = Kind::set;
    std::string value;              // set: the new value ('\'-separated); quarantine/skip: why
    std::vector<CodedItem> codes;   // append_codes: the items to append
    bool replace_codes = false;     // append_codes: drop the sequence's own items first
};

struct Builtin {
    std::string_view name;
    std::string_view summary;
    std::vector<OptionSpec> options;
    // The new value, or nullopt when none can be computed (the caller warns
    // and leaves the element as it is).
    std::optional<std::string> (*compute)(const BuiltinCall& call) = nullptr;
    // Reads the value an element had before any action (an earlier action
    // may have blanked it), its own or, by path, another's: the evaluator
    // gives them (BuiltinContext::values_before) from its record of the
    // run's changes.
    bool needs_file_context = false;
    // Derived from the site's pseudonym key: a run that calls it has one
    // (--key-file, else the per-user key; README "Keyed pseudonyms").
    bool needs_key = false;
    // Also reads the file's identifying values (engine/identity.hpp), which
    // cost a pass over the file to collect: the caller must give them.
    bool needs_identifying_values = false;
    // Instead of compute: a built-in that may do more than set a value
    // (RSNA CTP's functions, stdlib/ctp/).
    std::optional<Decision> (*decide)(const BuiltinCall& call) = nullptr;
};

[[nodiscard]] const std::vector<Builtin>& builtins();
[[nodiscard]] const Builtin* find_builtin(std::string_view name);
[[nodiscard]] const OptionSpec* find_option(const Builtin& builtin, std::string_view option);

}  // namespace deid::stdlib
