#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace deid::stdlib {

// A random UUID4 string, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", from a CSPRNG.
std::string random_uuid4();

// The decimal value of a UUID4 read as a 128-bit integer, as
// Python's uuid.uuid4().int prints it.
std::string random_uuid4_decimal();

// pydicom's generate_uid: prefix + decimal(SHA-512(entropy) as an unsigned
// integer), cut to 64 characters. With the original UID as entropy the result
// is the same in every file and run (stable remapping). nullopt for a prefix
// that is no valid UID root ending in '.' or is longer than 54 characters
// (where pydicom raises ValueError).
std::optional<std::string> hashed_uid(std::string_view prefix, std::string_view entropy);

// The same with random entropy.
std::optional<std::string> random_uid(std::string_view prefix);

// "2.25." + the first 16 bytes of a SHA-256 digest as a UUID of version 8
// (custom) and the RFC 4122 variant, in decimal: how a UID is derived from
// one (keyed or not) so that it stays a valid UUID-derived UID.
std::string uuid_uid(std::array<unsigned char, 32> digest);

// Big-endian unsigned bytes as a decimal number.
std::string to_decimal(std::string bytes);

}  // namespace deid::stdlib
