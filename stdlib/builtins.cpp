#include "stdlib/builtins.hpp"

#include <algorithm>
#include <cctype>

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
         {{"days", OptionType::text, &day_range_problem}}, &shift_date_builtin, true, true},
        {"clean_text", "C of text: the value before any action without the file's identifying values", {},
         &clean_text_builtin, true, false, true},
        // Keyed pseudonyms (stdlib/pseudonyms.hpp, README "Keyed pseudonyms").
        {"hash_uid", "2.25.<UUID from HMAC-SHA256 of the UID with the site's key>, the same in every file and batch",
         {}, &hash_uid_builtin, true, true},
        {"hash_id", "prefix + length characters (base 32) of HMAC-SHA256 of the value with the site's key",
         {{"prefix", OptionType::text, &id_prefix_check}, {"length", OptionType::integer, &id_length_check}},
         &hash_id_builtin, true, true},
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
