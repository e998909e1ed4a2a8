#include "stdlib/uids.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <vector>

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

// Numeric components without leading zeros, each followed by a dot: "1.2.840.".
bool valid_prefix(std::string_view prefix) {
    if (prefix.empty() || prefix.size() > max_prefix_length || prefix.back() != '.') {
        return false;
    }
    std::size_t start = 0;
    while (start < prefix.size()) {
        const std::size_t dot = prefix.find('.', start);
        const std::string_view component = prefix.substr(start, dot - start);
        const bool digits_only = std::all_of(component.begin(), component.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (component.empty() || !digits_only || (component.size() > 1 && component.front() == '0')) {
            return false;
        }
        start = dot + 1;
    }
    return true;
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

std::string uuid_uid(std::array<unsigned char, 32> digest) {
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0FU) | 0x80U);  // version 8: custom
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    return "2.25." + to_decimal(std::string(digest.begin(), digest.begin() + 16));
}

std::string to_decimal(std::string bytes) {
    // Long division of the big-endian number by 10^9 over 32-bit limbs:
    // nine digits per pass (a SHA-512 hash takes 18 passes, not 155).
    constexpr std::uint64_t kChunk = 1'000'000'000;
    std::vector<std::uint32_t> limbs((bytes.size() + 3) / 4, 0);
    const std::size_t padding = limbs.size() * 4 - bytes.size();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::size_t position = i + padding;
        limbs[position / 4] |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]))
                               << (8U * (3 - position % 4));
    }
    std::vector<std::uint32_t> chunks;  // least significant first
    auto first = limbs.begin();
    while (first != limbs.end()) {
        std::uint64_t remainder = 0;
        for (auto limb = first; limb != limbs.end(); ++limb) {
            const std::uint64_t current = (remainder << 32U) | *limb;
            *limb = static_cast<std::uint32_t>(current / kChunk);
            remainder = current % kChunk;
        }
        chunks.push_back(static_cast<std::uint32_t>(remainder));
        while (first != limbs.end() && *first == 0) {
            ++first;
        }
    }
    if (chunks.empty()) {
        return "0";
    }
    std::string digits = std::to_string(chunks.back());
    for (auto chunk = chunks.rbegin() + 1; chunk != chunks.rend(); ++chunk) {
        const std::string part = std::to_string(*chunk);
        digits.append(9 - part.size(), '0').append(part);
    }
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
