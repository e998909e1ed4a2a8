#include "stdlib/builtins.hpp"

#include <algorithm>
#include <cctype>

#include "stdlib/ctp/builtins.hpp"
#include "stdlib/date_shift.hpp"
#include "stdlib/profile_builtins.hpp"
#include "stdlib/pseudonyms.hpp"
#include "stdlib/uids.hpp"
#include "support/strings.hpp"

namespace deid::stdlib {
namespace {

std::string option(const BuiltinCall& call, const std::string& name, std::string fallback) {
    const auto found = call.options.find(name);
    return found == call.options.end() ? std::move(fallback) : found->second;
}

std::optional<std::int64_t> integer_option(const BuiltinCall& call, const std::string& name, std::int64_t fallback) {
    const auto found = call.options.find(name);
    return found == call.options.end() ? std::optional<std::int64_t>(fallback) : parse_integer(found->second);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return out;
}

std::optional<std::string> jitter(const BuiltinCall& call) {
    const auto days = integer_option(call, "days", 1);
    const auto years = integer_option(call, "years", 0);
    // Beyond this the shift leaves years 0000-9999 anyway (and 365 * years
    // could overflow); shift_date_value refuses such shifts.
    constexpr std::int64_t limit = 100'000'000;
    if (!days || !years || *days > limit || *days < -limit || *years > limit || *years < -limit) {
        return std::nullopt;
    }
    return shift_date_value(call.original, call.vr, *days + 365 * *years);
}

std::optional<std::string> simple_uuid(const BuiltinCall&) { return random_uuid4(); }

std::optional<std::string> suffix_uuid(const BuiltinCall& call) { return lower(call.field_name) + "-" + random_uuid4(); }

std::optional<std::string> dicom_uuid(const BuiltinCall& call) {
    std::string uid = option(call, "org_root", "anonymous-organization") + "." + random_uuid4_decimal();
    uid.resize(std::min<std::size_t>(uid.size(), 64));
    return uid;
}

std::optional<std::string> pydicom_uuid(const BuiltinCall& call) {
    const std::string prefix = option(call, "prefix", "2.25.");
    if (prefix == "none" || prefix == "null") {
        // deid turns exactly these into Python's None, and pydicom's generate_uid(prefix=None)
        // gives "2.25." + a random UUID4 as a decimal, whatever the entropy.
        return "2.25." + random_uuid4_decimal();
    }
    if (lower(option(call, "stable_remapping", "true")) == "true") {
        return hashed_uid(prefix, call.original);
    }
    return random_uid(prefix);
}

std::optional<std::string> id_prefix_check(std::string_view value) { return id_prefix_problem(value); }

std::optional<std::string> id_length_check(std::string_view value) {
    const auto length = parse_integer(value);
    if (length && *length >= kShortestId && *length <= kLongestId) {
        return std::nullopt;
    }
    return "a length from " + std::to_string(kShortestId) + " to " + std::to_string(kLongestId) + " characters";
}

// A ctp_* built-in: it decides as CTP does, on the values elements had
// before any action; `keyed`: with the site's key (--ctp-keyed).
Builtin ctp_builtin(std::string_view name, std::string_view summary, std::vector<OptionSpec> options,
                    std::optional<Decision> (*decide)(const BuiltinCall&), bool keyed = false) {
    return Builtin{name, summary, std::move(options), nullptr, true, keyed, false, decide};
}

// A text option of a ctp_* built-in: percent-encoded (stdlib/ctp/interpreter.hpp).
OptionSpec ctp_text(std::string_view name, bool required = false) {
    return {name, OptionType::text, &ctp::percent_encoding_problem, required};
}

}  // namespace

const std::vector<Builtin>& builtins() {
    static const std::vector<Builtin> registry = {
        {"jitter", "shift a date or datetime by days + 365*years",
         {{"days", OptionType::integer}, {"years", OptionType::integer}}, &jitter},
        // The established tool registers this one as basic_uuid; its
        // documentation calls it simple_uuid, which only deid knows.
        {"basic_uuid", "a random UUID4 string", {}, &simple_uuid},
        {"simple_uuid", "a random UUID4 string (the name the established tool's documentation gives basic_uuid)", {},
         &simple_uuid},
        {"suffix_uuid", "<lower-cased field name>-<uuid4>", {}, &suffix_uuid},
        {"dicom_uuid", "org_root + '.' + a random 128-bit number, cut to 64 characters",
         {{"org_root", OptionType::text}}, &dicom_uuid},
        {"pydicom_uuid",
         "a DICOM UID under prefix; with stable_remapping the same input UID always gives the same output",
         {{"prefix", OptionType::text}, {"stable_remapping", OptionType::boolean}}, &pydicom_uuid},
        // The confidentiality profiles' actions (recipes/profiles/, README "Profiles").
        {"dummy", "D: a dummy value valid for the element's VR (a UI: as consistent_uid)", {}, &dummy_builtin},
        {"consistent_uid", "U: 2.25.<UUID from a hash of the UID>, the same in every file and run", {},
         &consistent_uid_builtin},
        {"shift_date",
         "C of dates: the value before any action, shifted by the patient's keyed date offset (times stay)",
         {{"days", OptionType::text, &day_range_problem}, {"of", OptionType::element}}, &shift_date_builtin, true, true},
        {"clean_text", "C of text: the value before any action without the file's identifying values", {},
         &clean_text_builtin, true, false, true},
        // Keyed pseudonyms (stdlib/pseudonyms.hpp, README "Keyed pseudonyms");
        // `of` names the element read (in the same item), this one by default.
        {"hash_uid", "2.25.<UUID from HMAC-SHA256 of the UID with the site's key>, the same in every file and batch",
         {{"of", OptionType::element}}, &hash_uid_builtin, true, true},
        {"hash_id", "prefix + length characters (base 32) of HMAC-SHA256 of the value with the site's key",
         {{"prefix", OptionType::text, &id_prefix_check}, {"length", OptionType::integer, &id_length_check},
          {"of", OptionType::element}},
         &hash_id_builtin, true, true},
        // RSNA CTP's anonymizer functions with CTP's algorithms (stdlib/ctp/;
        // README "Coming from CTP"); `of` names the element read, this one by default.
        ctp_builtin("ctp_hashuid", "CTP @hashuid: root + decimal MD5 of the UID, cut to 64 characters",
                    {ctp_text("root", true), {"of", OptionType::element}}, &ctp::decide_hashuid),
        ctp_builtin("ctp_hash", "CTP @hash: the decimal MD5 of the value, cut to length",
                    {{"of", OptionType::element}, {"length", OptionType::integer}}, &ctp::decide_hash),
        ctp_builtin("ctp_hashname", "CTP @hashname: decimal MD5 of the first words of a name, upper-cased, without blanks and punctuation",
                    {{"of", OptionType::element}, {"length", OptionType::integer}, {"words", OptionType::integer}},
                    &ctp::decide_hashname),
        ctp_builtin("ctp_hashptid", "CTP @hashptid: decimal MD5 of '[site]' + the patient ID",
                    {ctp_text("site"), {"of", OptionType::element}, {"length", OptionType::integer}},
                    &ctp::decide_hashptid),
        ctp_builtin("ctp_hashdate", "CTP @hashdate: the date moved back by a number of days hashed from another element",
                    {{"of", OptionType::element}, {"key", OptionType::element}}, &ctp::decide_hashdate),
        ctp_builtin("ctp_incrementdate", "CTP @incrementdate: the date plus days, on CTP's calendar; emptied when it is no date",
                    {{"of", OptionType::element}, {"days", OptionType::integer}}, &ctp::decide_incrementdate),
        ctp_builtin("ctp_modifydate", "CTP @modifydate: year, month and day replaced where given ('*' keeps)",
                    {{"of", OptionType::element}, ctp_text("year"), ctp_text("month"), ctp_text("day")},
                    &ctp::decide_modifydate),
        ctp_builtin("ctp_initials", "CTP @initials: the initials of a name, the last name's last",
                    {{"of", OptionType::element}, {"offset", OptionType::integer}}, &ctp::decide_initials),
        ctp_builtin("ctp_lowercase", "CTP @lowercase", {{"of", OptionType::element}}, &ctp::decide_lowercase),
        ctp_builtin("ctp_uppercase", "CTP @uppercase", {{"of", OptionType::element}}, &ctp::decide_uppercase),
        ctp_builtin("ctp_round", "CTP @round: an age rounded to bins of size",
                    {{"of", OptionType::element}, {"size", OptionType::integer}}, &ctp::decide_round),
        ctp_builtin("ctp_truncate", "CTP @truncate: the first length characters (negative: the last)",
                    {{"of", OptionType::element}, {"length", OptionType::integer}}, &ctp::decide_truncate),
        ctp_builtin("ctp_contents", "CTP @contents: an element's value, regex matches replaced",
                    {{"of", OptionType::element}, ctp_text("regex"), ctp_text("replacement")}, &ctp::decide_contents),
        ctp_builtin("ctp_value", "CTP @value: an element's value, or default when it is empty",
                    {{"of", OptionType::element}, ctp_text("default")}, &ctp::decide_value),
        ctp_builtin("ctp_pathelement", "CTP @pathelement: one part of a '/'-separated path",
                    {{"of", OptionType::element}, {"index", OptionType::integer}}, &ctp::decide_pathelement),
        ctp_builtin("ctp_date", "CTP @date: today's date", {ctp_text("separator")}, &ctp::decide_date),
        ctp_builtin("ctp_time", "CTP @time: the time now", {ctp_text("separator")}, &ctp::decide_time),
        ctp_builtin("ctp_require", "CTP @require: keep the element; when absent, create it from another element or default",
                    {{"of", OptionType::element}, ctp_text("default")}, &ctp::decide_require),
        ctp_builtin("ctp_append", "CTP @append: the text as one more value", {ctp_text("text")}, &ctp::decide_append),
        ctp_builtin("ctp_blank", "CTP @blank(n): n blanks", {{"count", OptionType::integer}}, &ctp::decide_blank),
        ctp_builtin("ctp_text", "a CTP literal the recipe language cannot hold (percent-encoded)", {ctp_text("text")},
                    &ctp::decide_text),
        ctp_builtin("ctp_method_codes", "CTP's DeIdentificationMethodCodeSeq: one coded item per code",
                    {ctp_text("codes")}, &ctp::decide_method_codes),
        ctp_builtin("ctp_quarantine", "CTP @quarantine(): the file goes to OUTDIR/quarantine/", {}, &ctp::decide_quarantine),
        ctp_builtin("ctp_skip", "CTP @skip(): the file is not written", {}, &ctp::decide_skip),
        ctp_builtin("ctp_script", "a whole CTP element script (conditions, several functions), run as CTP runs it",
                    {{"script", OptionType::text, &ctp::script_problem, true}}, &ctp::decide_script),
        ctp_builtin("ctp_keyed_script",
                    "ctp_script with CTP's hashing and date functions as keyed pseudonyms (hash_uid, hash_id, shift_date)",
                    {{"script", OptionType::text, &ctp::script_problem, true}}, &ctp::decide_keyed_script, true),
    };
    return registry;
}

const Builtin* find_builtin(std::string_view name) {
    const auto& all = builtins();
    const auto found = std::find_if(all.begin(), all.end(), [&](const Builtin& b) { return b.name == name; });
    return found == all.end() ? nullptr : &*found;
}

const OptionSpec* find_option(const Builtin& builtin, std::string_view option) {
    const auto found = std::find_if(builtin.options.begin(), builtin.options.end(),
                                    [&](const OptionSpec& spec) { return spec.name == option; });
    return found == builtin.options.end() ? nullptr : &*found;
}

}  // namespace deid::stdlib
