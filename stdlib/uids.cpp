#include "stdlib/uids.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <regex>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace deid::stdlib {
namespace {

std::array<unsigned char, 16> random_uuid_bytes() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("the system's random number generator failed");
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0FU) | 0x40U);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    return bytes;
}

// pydicom (3.x) refuses longer prefixes: they leave fewer than 10 digits.
constexpr std::size_t max_prefix_length = 54;

bool valid_prefix(std::string_view prefix) {
    static const std::regex pattern(R"(^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\.$)");
    return prefix.size() <= max_prefix_length && std::regex_match(prefix.begin(), prefix.end(), pattern);
}

std::string sha512(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha512(), nullptr) != 1) {
        throw std::runtime_error("SHA-512 failed");
    }
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

}  // namespace

std::string random_uuid4() {
    const auto bytes = random_uuid_bytes();
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        std::array<char, 3> hex{};
        std::snprintf(hex.data(), hex.size(), "%02x", bytes[i]);
        out += hex.data();
    }
    return out;
}

std::string random_uuid4_decimal() {
    const auto bytes = random_uuid_bytes();
    return to_decimal(std::string(bytes.begin(), bytes.end()));
}

std::string to_decimal(std::string bytes) {
    std::string digits;
    // Long division by 10 of the big-endian number, one digit per pass.
    while (std::any_of(bytes.begin(), bytes.end(), [](char b) { return b != 0; })) {
        unsigned remainder = 0;
        for (char& byte : bytes) {
            const unsigned current = (remainder << 8U) | static_cast<unsigned char>(byte);
            byte = static_cast<char>(current / 10U);
            remainder = current % 10U;
        }
        digits += static_cast<char>('0' + remainder);
    }
    if (digits.empty()) {
        return "0";
    }
    std::reverse(digits.begin(), digits.end());
    return digits;
}

std::optional<std::string> hashed_uid(std::string_view prefix, std::string_view entropy) {
    if (!valid_prefix(prefix)) {
        return std::nullopt;
    }
    std::string uid = std::string(prefix) + to_decimal(sha512(entropy));
    uid.resize(std::min<std::size_t>(uid.size(), 64));
    return uid;
}

std::optional<std::string> random_uid(std::string_view prefix) {
    std::array<unsigned char, 32> entropy{};
    if (RAND_bytes(entropy.data(), static_cast<int>(entropy.size())) != 1) {
        throw std::runtime_error("the system's random number generator failed");
    }
    return hashed_uid(prefix, std::string_view(reinterpret_cast<const char*>(entropy.data()), entropy.size()));
}

}  // namespace deid::stdlib
