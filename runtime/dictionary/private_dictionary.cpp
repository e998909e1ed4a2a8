#include "runtime/dictionary/private_dictionary.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace deid {
namespace {

// pydicom's three kinds of key, in the order it tries them: "GGGGEEEE",
// "GGGGxxEE" and "GGxxxxEE".
enum class PrivateKey : std::uint8_t { tag, block, group_range };

struct PrivateRow {
    PrivateKey kind;
    std::uint16_t group;    // group_range: the high byte only (0xGG00)
    std::uint16_t element;  // block, group_range: the low byte only
    std::string_view creator;
    std::string_view name;
    std::string_view vr;
};

// Sorted by kind, group, element and creator (the generator sorts them).
constexpr PrivateRow kRows[] = {
#include "runtime/dictionary/generated/private_dictionary.inc"
};

auto key(const PrivateRow& row) { return std::tie(row.kind, row.group, row.element, row.creator); }

std::optional<PrivateDictionaryEntry> find_row(PrivateKey kind, std::uint16_t group, std::uint16_t element,
                                               std::string_view creator) {
    const PrivateRow wanted{kind, group, element, creator, {}, {}};
    const auto found = std::lower_bound(std::begin(kRows), std::end(kRows), wanted,
                                        [](const PrivateRow& a, const PrivateRow& b) { return key(a) < key(b); });
    if (found == std::end(kRows) || key(*found) != key(wanted)) {
        return std::nullopt;
    }
    return PrivateDictionaryEntry{found->name, found->vr};
}

}  // namespace

std::optional<PrivateDictionaryEntry> find_private_entry(std::uint16_t group, std::uint16_t element,
                                                          std::string_view creator) {
    const auto low_byte = static_cast<std::uint16_t>(element & 0x00FFU);
    if (auto entry = find_row(PrivateKey::tag, group, element, creator)) {
        return entry;
    }
    if (auto entry = find_row(PrivateKey::block, group, low_byte, creator)) {
        return entry;
    }
    return find_row(PrivateKey::group_range, static_cast<std::uint16_t>(group & 0xFF00U), low_byte, creator);
}

}  // namespace deid
