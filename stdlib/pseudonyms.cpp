#include "stdlib/pseudonyms.hpp"

#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "stdlib/builtin_context.hpp"
#include "stdlib/uids.hpp"
#include "support/strings.hpp"

namespace deid::stdlib {
namespace {

using Digest = std::array<unsigned char, 32>;

struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacFree>;

// HMAC-SHA256 keyed once. OpenSSL's one-shot HMAC() looks the algorithm up
// and sets the key on every call, most of the cost of a profile's UID
// replacements; a copy of a keyed context costs a fraction of that.
class KeyedHmac {
public:
    explicit KeyedHmac(std::string_view key) : key_(key) {
        const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
        keyed_.reset(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
        char digest_name[] = "SHA256";
        const OSSL_PARAM parameters[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                         OSSL_PARAM_construct_end()};
        // A key pointer even for an empty key: a null one would mean "no key yet".
        static constexpr unsigned char kNoBytes[1] = {0};
        const auto* bytes = key.empty() ? kNoBytes : reinterpret_cast<const unsigned char*>(key.data());
        if (!keyed_ || EVP_MAC_init(keyed_.get(), bytes, key.size(), parameters) != 1) {
            throw std::runtime_error("HMAC-SHA256 is not available");
        }
    }

    [[nodiscard]] const std::string& key() const { return key_; }

    [[nodiscard]] Digest digest(std::string_view message) const {
        const MacContext context(EVP_MAC_CTX_dup(keyed_.get()));
        Digest digest{};
        std::size_t length = 0;
        if (!context ||
            EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
            EVP_MAC_final(context.get(), digest.data(), &length, digest.size()) != 1 || length != digest.size()) {
            throw std::runtime_error("HMAC-SHA256 failed");
        }
        return digest;
    }

private:
    std::string key_;
    MacContext keyed_;
};

// HMAC-SHA256 of `purpose` 0x00 `parts` joined by 0x00. Each thread keeps
// the last key's context: a run uses one key throughout.
Digest keyed_digest(std::string_view key, std::string_view purpose, std::initializer_list<std::string_view> parts) {
    std::string message(purpose);
    for (const auto part : parts) {
        message += '\0';
        message += part;
    }
    thread_local std::optional<KeyedHmac> keyed;
    if (!keyed || keyed->key() != key) {
        keyed.reset();
        keyed.emplace(key);
    }
    return keyed->digest(message);
}

std::uint64_t first_eight_bytes(const Digest& digest) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value = (value << 8U) | digest[static_cast<std::size_t>(i)];
    }
    return value;
}

// DICOM pads UIDs to an even length with a NUL, other text with blanks.
std::string_view unpadded(std::string_view value) {
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) {
        value.remove_suffix(1);
    }
    return trim(value);
}

std::string option_text(const BuiltinCall& call, const std::string& name, std::string fallback) {
    const auto found = call.options.find(name);
    return found == call.options.end() ? std::move(fallback) : found->second;
}

}  // namespace

std::string hash_uid(std::string_view uid, std::string_view key) {
    std::vector<std::string> mapped;
    for (const auto& value : split_multi_value(uid)) {
        const std::string_view text = unpadded(value);
        if (text.empty()) {
            mapped.emplace_back();
            continue;
        }
        mapped.push_back(uuid_uid(keyed_digest(key, "deid uid", {text})));
    }
    return join_multi_value(mapped);
}

std::string hash_id(std::string_view value, std::string_view prefix, int length, std::string_view key) {
    static constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (unpadded(value).empty()) {
        return "";
    }
    const Digest digest = keyed_digest(key, "deid id", {prefix, unpadded(value)});
    std::string id(prefix);
    for (int i = 0; i < length; ++i) {
        // Character i takes bits 5i to 5i+4 of the digest, most significant first.
        const std::size_t bit = static_cast<std::size_t>(i) * 5;
        const unsigned window = (static_cast<unsigned>(digest[bit / 8]) << 8U) |
                                (bit / 8 + 1 < digest.size() ? digest[bit / 8 + 1] : 0U);
        id += kCrockford[(window >> (11U - bit % 8)) & 0x1FU];
    }
    return id;
}

std::optional<std::string> id_prefix_problem(std::string_view prefix) {
    if (prefix.size() > kLongestIdPrefix) {
        return "a prefix of at most " + std::to_string(kLongestIdPrefix) + " characters";
    }
    for (const char c : prefix) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || byte < 0x20 || byte == 0x7F) {
            return "a prefix without '\\' or control characters";
        }
    }
    return std::nullopt;
}

std::optional<DayRange> parse_day_range(std::string_view text) {
    const auto dots = text.find("..");
    if (dots == std::string_view::npos) {
        return std::nullopt;
    }
    const auto first = parse_integer(trim(text.substr(0, dots)));
    const auto last = parse_integer(trim(text.substr(dots + 2)));
    if (!first || !last || *first > *last || (*first <= 0 && *last >= 0) || *first < -kLongestShiftDays ||
        *last > kLongestShiftDays) {
        return std::nullopt;
    }
    return DayRange{*first, *last};
}

std::optional<std::string> day_range_problem(std::string_view text) {
    if (parse_day_range(text)) {
        return std::nullopt;
    }
    return "a range of days FIRST..LAST (FIRST <= LAST, both on one side of 0, within " +
           std::to_string(kLongestShiftDays) + " days), such as -365..-1";
}

std::int64_t date_offset(std::string_view patient_id, std::string_view issuer, DayRange range, std::string_view key) {
    const Digest digest = keyed_digest(key, "deid date offset", {unpadded(patient_id), unpadded(issuer)});
    const auto size = static_cast<std::uint64_t>(range.last - range.first + 1);
    return range.first + static_cast<std::int64_t>(first_eight_bytes(digest) % size);
}

std::string key_fingerprint(std::string_view key) {
    const Digest digest = keyed_digest(key, "deid key fingerprint", {});
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string hex;
    for (std::size_t i = 0; i < 8; ++i) {
        hex += kHex[digest[i] >> 4U];
        hex += kHex[digest[i] & 0x0FU];
    }
    return hex;
}

std::optional<std::string> hash_uid_builtin(const BuiltinCall& call) {
    if (call.context == nullptr || call.context->pseudonym_key.empty()) {
        return "";  // no key: never the original
    }
    return hash_uid(value_read_by(call).value_or(""), call.context->pseudonym_key);
}

std::optional<std::string> hash_id_builtin(const BuiltinCall& call) {
    if (call.context == nullptr || call.context->pseudonym_key.empty()) {
        return "";
    }
    const std::string prefix = option_text(call, "prefix", "");
    const auto length = parse_integer(option_text(call, "length", std::to_string(kDefaultIdLength)));
    if (id_prefix_problem(prefix) || !length || *length < kShortestId || *length > kLongestId) {
        return std::nullopt;  // lint refuses these first
    }
    return hash_id_at(path_read_by(call), value_read_by(call).value_or(""), call.context->issuer_of_patient_id, prefix,
                      static_cast<int>(*length), call.context->pseudonym_key);
}

std::string hash_id_at(std::string_view path, std::string_view value, std::string_view issuer, std::string_view prefix,
                       int length, std::string_view key) {
    // The top-level PatientID is the patient's: its issuer takes part, as in
    // the date offset (one ID may name two patients of two issuers).
    if (path == kTopLevelPatientId && !unpadded(value).empty()) {
        const std::string patient = std::string(unpadded(value)) + '\0' + std::string(unpadded(issuer));
        return hash_id(patient, prefix, length, key);
    }
    return hash_id(value, prefix, length, key);
}

}  // namespace deid::stdlib
