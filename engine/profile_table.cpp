#include "engine/profile_table.hpp"

#include <array>
#include <unordered_map>
#include <vector>

namespace deid {
namespace {

constexpr ProfileRow kRows[] = {
#include "engine/generated/confidentiality_profile.inc"
};

constexpr std::uint32_t key_of(std::uint16_t group, std::uint16_t element) {
    return (std::uint32_t{group} << 16U) | element;
}

bool is_private_row(const ProfileRow& row) { return row.group_mask == 0x0001; }

struct Index {
    std::unordered_map<std::uint32_t, const ProfileRow*> exact;
    std::vector<const ProfileRow*> masked;  // repeating groups
    const ProfileRow* private_row = nullptr;

    Index() {
        for (const auto& row : kRows) {
            if (is_private_row(row)) {
                private_row = &row;
            } else if (row.group_mask == 0xFFFF && row.element_mask == 0xFFFF) {
                exact.emplace(key_of(row.group, row.element), &row);
            } else {
                masked.push_back(&row);
            }
        }
    }
};

const Index& index() {
    static const Index built;
    return built;
}

}  // namespace

const ProfileRow* find_profile_row(std::uint16_t group, std::uint16_t element) {
    const Index& rows = index();
    if (group % 2 == 1) {
        return rows.private_row;
    }
    if (const auto found = rows.exact.find(key_of(group, element)); found != rows.exact.end()) {
        return found->second;
    }
    for (const ProfileRow* row : rows.masked) {
        if ((group & row->group_mask) == (row->group & row->group_mask) &&
            (element & row->element_mask) == (row->element & row->element_mask)) {
            return row;
        }
    }
    return nullptr;
}

ProfileAction profile_action(const ElementInfo& element, const Profile& profile) {
    const ProfileRow* row = find_profile_row(element.group, element.element);
    if (row == nullptr) {
        return ProfileAction::not_listed;
    }
    bool keep = false;
    bool clean = false;
    for (const ProfileOption option : profile.options) {
        const char action = row->option_actions[static_cast<std::size_t>(option)];
        keep = keep || action == 'K';
        clean = clean || action == 'C';
    }
    if (keep) {
        return ProfileAction::keep;
    }
    if (clean) {
        return ProfileAction::clean;
    }
    switch (row->rule) {
        case BasicRule::remove: return ProfileAction::remove;
        case BasicRule::blank: return ProfileAction::blank;
        case BasicRule::dummy: return ProfileAction::dummy;
        case BasicRule::uid: return ProfileAction::uid;
        case BasicRule::keep_sequence: return ProfileAction::keep_sequence;
        case BasicRule::keep: return ProfileAction::not_listed;
    }
    return ProfileAction::remove;
}

}  // namespace deid
