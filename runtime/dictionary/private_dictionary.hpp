#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace deid {

// An entry of pydicom's private dictionary: the name the established tool
// shows for a private element (in brackets) and searches with its
// expanders, and the VR it gives a private element it creates.
struct PrivateDictionaryEntry {
    std::string_view name;
    std::string_view vr;
};

// The entry for private element (group,element) whose creator is `creator`,
// looked up as pydicom does: the whole tag first, then the element's low
// byte in any block, then the low byte in any group of the group's range.
// Creators compare exactly.
std::optional<PrivateDictionaryEntry> find_private_entry(std::uint16_t group, std::uint16_t element,
                                                          std::string_view creator);

}  // namespace deid
