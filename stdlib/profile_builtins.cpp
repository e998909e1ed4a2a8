#include "stdlib/profile_builtins.hpp"

#include <algorithm>
#include <array>

#include <openssl/evp.h>

#include "stdlib/builtin_context.hpp"
#include "stdlib/date_shift.hpp"
#include "stdlib/pseudonyms.hpp"
#include "stdlib/uids.hpp"
#include "support/strings.hpp"

namespace deid::stdlib {
namespace {

constexpr std::string_view kText = "ANONYMIZED";
constexpr std::string_view kBytes = "ANONYMIZ";

bool is_one_of(std::string_view vr, std::initializer_list<std::string_view> vrs) {
    return std::find(vrs.begin(), vrs.end(), vr) != vrs.end();
}

// SHA-256 of the UID, for runs without a key; a fixed prefix keeps these
// hashes apart from any other use of SHA-256.
std::array<unsigned char, 32> unkeyed_digest(std::string_view uid) {
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    const std::string text = "deid consistent_uid\n" + std::string(uid);
    EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return digest;
}

}  // namespace

std::optional<std::string> dummy_value(std::string_view vr) {
    if (vr == "SQ") {
        return std::nullopt;
    }
    if (vr == "DA") {
        return "19000101";
    }
    if (vr == "DT") {
        return "19000101000000";
    }
    if (vr == "TM") {
        return "000000";
    }
    if (vr == "AS") {
        return "000Y";
    }
    if (is_one_of(vr, {"DS", "IS", "FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"})) {
        return "0";
    }
    if (is_one_of(vr, {"OB", "OW", "OD", "OF", "OL", "OV", "UN"})) {
        return std::string(kBytes);
    }
    return std::string(kText);
}

const std::vector<std::string>& dummy_values() {
    static const std::vector<std::string> values = {std::string(kText), std::string(kBytes), "19000101",
                                                    "19000101000000", "000000", "000Y", "0"};
    return values;
}

std::string consistent_uid(std::string_view uid, std::string_view key) {
    if (!key.empty()) {
        return hash_uid(uid, key);
    }
    std::vector<std::string> mapped;
    for (const auto& value : split_multi_value(uid)) {
        const std::string_view trimmed = trim(value);
        if (trimmed.empty()) {
            mapped.emplace_back();
            continue;
        }
        mapped.push_back(uuid_uid(unkeyed_digest(trimmed)));
    }
    return join_multi_value(mapped);
}

std::optional<std::string> dummy_builtin(const BuiltinCall& call) {
    if (call.vr == "UI") {
        return consistent_uid_builtin(call);
    }
    return dummy_value(call.vr);
}

std::optional<std::string> consistent_uid_builtin(const BuiltinCall& call) {
    return consistent_uid(call.original, call.context != nullptr ? call.context->pseudonym_key : std::string_view{});
}

std::optional<std::string> shift_date_builtin(const BuiltinCall& call) {
    const std::string original = value_read_by(call).value_or("");
    if (call.vr == "TM") {
        return original;  // the shift is whole days: a time of day stays
    }
    if (call.context == nullptr) {
        return "";  // no shift given: never the original date
    }
    std::int64_t days = call.context->date_shift_days;
    if (!call.context->pseudonym_key.empty()) {
        DayRange range;
        if (const auto found = call.options.find("days"); found != call.options.end()) {
            const auto parsed = parse_day_range(found->second);
            if (!parsed) {
                return "";  // lint refuses it first
            }
            range = *parsed;
        }
        days = date_offset(call.context->patient_id, call.context->issuer_of_patient_id, range,
                           call.context->pseudonym_key);
        if (call.context->report != nullptr && !call.context->report->date_offset) {
            call.context->report->date_offset = days;
        }
    }
    if (days == 0 || trim(original).empty()) {
        return "";
    }
    return shift_date_value(original, call.vr, days).value_or("");
}

std::optional<std::string> clean_text_builtin(const BuiltinCall& call) {
    if (call.context == nullptr || call.context->identifying == nullptr) {
        return "";  // nothing to clean with: the text cannot be known clean
    }
    return remove_tokens(value_before_actions(call), *call.context->identifying);
}

}  // namespace deid::stdlib
