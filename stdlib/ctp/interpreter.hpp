#pragma once

// Runs an RSNA CTP element script the way CTP's DICOMAnonymizer does: the
// script's text and function results are concatenated into one replacement
// string, and that string decides the element's fate (CTP's
// processElements and insertElements): "@remove()" anywhere removes it,
// "@keep()" keeps it, "@empty()" empties it, "@blank(n)" writes n blanks,
// anything else is the new value ('\' separates values).

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/ctp/script.hpp"

namespace deid::stdlib::ctp {

// A path of elements from a dataset: CTP's "A::B" (B in the first item of
// sequence A), each step a tag (group << 16 | element).
struct ElementPath {
    bool from_root = false;  // "root:": from the top-level dataset
    std::vector<std::uint32_t> tags;
};

// An element reference as the anonymizer reads it at run time: "this", or
// tags written [gggg,eeee], (gggg,eeee), gggg,eeee or ggggeeee, joined by
// "::", optionally after "root:". Names are turned into tags when the
// script is compiled (ctp/), so any other text is nullopt here.
std::optional<ElementPath> parse_element_path(std::string_view text);

// --ctp-keyed: deid's keyed pseudonyms (stdlib/pseudonyms.hpp) in place of
// CTP's hashing and date functions, so that a CTP script's outputs link
// with every other keyed run of the site.
class KeyedPseudonyms {
public:
    virtual ~KeyedPseudonyms() = default;
    // deid_func:hash_uid of a UID (@hashuid).
    [[nodiscard]] virtual std::string uid(std::string_view uid) const = 0;
    // deid_func:hash_id of the value of the element `reference` names
    // ("this" or a path), `length` characters (@hash, @hashname, @hashptid).
    [[nodiscard]] virtual std::string id(std::string_view value, std::string_view reference, int length) const = 0;
    // deid_func:shift_date: the date moved by the patient's offset; nullopt
    // when it is no date (@incrementdate, @hashdate).
    [[nodiscard]] virtual std::optional<std::string> date(std::string_view value) const = 0;
};

// The functions --ctp-keyed replaces: @hashuid, @hash, @hashname,
// @hashptid, @incrementdate, @hashdate.
bool is_keyed_function(std::string_view name);

// hash_id's length for a CTP length (nullopt or 0: none given): the
// default when none, else within hash_id's limits.
int keyed_id_length(std::optional<std::int64_t> ctp_length);

// What a script reads of the file: values as they were before any action,
// as CTP reads its unmodified copy of the dataset.
class ScriptInput {
public:
    virtual ~ScriptInput() = default;
    [[nodiscard]] virtual std::uint32_t own_tag() const = 0;
    // The script's own element; nullopt when it is absent (an @always()
    // script about to create it).
    [[nodiscard]] virtual std::optional<std::string> own_value() const = 0;
    // An element of the dataset the script's element stands in (an item
    // for one inside a sequence), or of the top level for `from_root`.
    [[nodiscard]] virtual std::optional<std::string> value(const ElementPath& path) const = 0;
    // Whether the script's element is at the top level (@select).
    [[nodiscard]] virtual bool at_root() const = 0;
    // The current date and time, "YYYYMMDD" and "HHMMSS" (@date, @time).
    [[nodiscard]] virtual std::string today() const;
    [[nodiscard]] virtual std::string now() const;
    // Keyed pseudonyms for the functions is_keyed_function names; nullptr:
    // CTP's own algorithms.
    [[nodiscard]] virtual const KeyedPseudonyms* keyed() const { return nullptr; }
};

// @quarantine() and @skip() stop the script: the whole file is held back.
struct FileHeld : std::runtime_error {
    enum class Kind { quarantine, skip };
    FileHeld(Kind kind, const std::string& reason) : std::runtime_error(reason), kind(kind) {}
    Kind kind;
};

// CTP's makeReplacement. Throws FileHeld.
std::string make_replacement(const deid::ctp::Script& script, const ScriptInput& input);
std::string call_function(const deid::ctp::Call& call, const ScriptInput& input);

// What the replacement string does to the element.
struct Outcome {
    enum class Kind { set, keep, blank, remove };
    Kind kind = Kind::keep;
    std::string value;  // for set
};
// `exists`: CTP's processElements (an element of the dataset), else its
// insertElements (an @always() script for an absent element).
Outcome outcome_of(const std::string& replacement, bool exists);

// The functions this interpreter runs, and those CTP has that deid does not
// (with why): the front end reports those as lint errors.
bool is_supported_function(std::string_view name);
std::optional<std::string> unsupported_reason(std::string_view name);

// How CTP reads each argument of a function, so that the front end knows
// which to bind to elements and which to look up as @parameters.
enum class ArgumentKind {
    element,    // an element reference (contents)
    parameter,  // @NAME looks up a <p> parameter, anything else is itself (getParam)
    text,       // used as written, surrounding quotes removed (getArg)
    word,       // used as written (a condition of @if, a number of @truncate)
    condition_value,  // @if's third: @NAME looks up a parameter, else as text
};
// The kind of argument `index` of `function`; text for arguments CTP ignores.
ArgumentKind argument_kind(std::string_view function, std::size_t index);

// DeIdentificationMethodCodeSequence items as CTP writes them from
// "113100/113105/...": DCM code, CTP's meaning; UNKNOWN for codes it does
// not know; "reset" drops the items before it and the sequence's own.
struct MethodCode {
    std::string scheme;
    std::string value;
    std::string meaning;
};
struct MethodCodes {
    bool replace = false;
    std::vector<MethodCode> items;
};
MethodCodes method_codes(std::string_view text);

// Text options of the ctp_* built-ins are percent-encoded where the recipe
// language cannot hold a character: '%' as %25, '"' as %22, control
// characters as %XX.
std::string percent_encode(std::string_view text);
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace deid::stdlib::ctp
