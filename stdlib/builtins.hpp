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
    // Reads the value an element had before any action, or the file's
    // identifying values: the caller must give a context with them.
    bool needs_file_context = false;
    // Reads values elements had before any action, its own or others' (by
    // path, through BuiltinContext::originals): the evaluator provides them
    // when the caller does not.
    bool reads_original_values = false;
    // Instead of compute: a built-in that may do more than set a value.
    std::optional<Decision> (*decide)(const BuiltinCall& call) = nullptr;
    // Checks the options together when the recipe is linted (a script held
    // in an option): the error, if any.
    std::optional<std::string> (*check)(const std::map<std::string, std::string>& options) = nullptr;
};

[[nodiscard]] const std::vector<Builtin>& builtins();
[[nodiscard]] const Builtin* find_builtin(std::string_view name);
[[nodiscard]] const OptionSpec* find_option(const Builtin& builtin, std::string_view option);

}  // namespace deid::stdlib
