#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace deid {

// The name GDCM's private dictionary gives a private data element, e.g.
// "Requesting Physician's Name Single Byte" for
// (0033,"MITRA OBJECT UTF8 ATTRIBUTES 1.0",19). pydicom's private dictionary,
// which the established tool searches, comes from the same source.
std::optional<std::string_view> private_element_name(std::uint16_t group, std::string_view creator,
                                                     std::uint8_t element_offset);

}  // namespace deid
