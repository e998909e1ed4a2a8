#include "runtime/dictionary/private_names.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace deid {
namespace {

struct PrivateName {
    std::uint16_t group;
    std::uint8_t element_offset;
    std::string_view creator;
    std::string_view name;
};

// Sorted by group, element offset and creator (the generator sorts them).
constexpr PrivateName kPrivateNames[] = {
#include "runtime/dictionary/generated/private_names.inc"
};

auto key(const PrivateName& entry) { return std::tie(entry.group, entry.element_offset, entry.creator); }

}  // namespace

std::optional<std::string_view> private_element_name(std::uint16_t group, std::string_view creator,
                                                     std::uint8_t element_offset) {
    const PrivateName wanted{group, element_offset, creator, {}};
    const auto found = std::lower_bound(std::begin(kPrivateNames), std::end(kPrivateNames), wanted,
                                        [](const PrivateName& a, const PrivateName& b) { return key(a) < key(b); });
    if (found == std::end(kPrivateNames) || key(*found) != key(wanted)) {
        return std::nullopt;
    }
    return found->name;
}

}  // namespace deid
