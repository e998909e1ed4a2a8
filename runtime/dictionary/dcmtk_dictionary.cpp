#include "runtime/dictionary/dcmtk_dictionary.hpp"

#include <algorithm>
#include <stdexcept>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dchashdi.h>

#include "support/strings.hpp"

namespace deid {
namespace {

struct GeneratedName {
    std::uint16_t group;
    std::uint16_t element;
    const char* name;
};
constexpr GeneratedName kNames[] = {
#include "runtime/dictionary/generated/element_names.inc"
};

struct GeneratedAlias {
    const char* alias;
    std::uint16_t group;
    std::uint16_t element;
    AliasKind kind;
};
constexpr GeneratedAlias kAliases[] = {
#include "runtime/dictionary/generated/element_aliases.inc"
};

constexpr std::string_view kRetiredPrefix = "RETIRED_";

constexpr std::uint32_t tag_of(std::uint16_t group, std::uint16_t element) {
    return (static_cast<std::uint32_t>(group) << 16U) | element;
}

// DCMTK's catch-alls for group lengths and private creators in every group
// (see the class comment): recognised by the origin dicom.dic gives them.
bool is_catch_all(const DcmDictEntry& dcmtk) {
    if (dcmtk.getPrivateCreator() != nullptr || dcmtk.getStandardVersion() == nullptr) {
        return false;
    }
    const std::string_view origin = dcmtk.getStandardVersion();
    return origin == "GENERIC" || origin == "ILLEGAL" || origin == "PRIVATE";
}

DictionaryEntry entry_from(const DcmDictEntry& dcmtk) {
    DictionaryEntry entry;
    entry.group = dcmtk.getGroup();
    entry.element = dcmtk.getElement();
    std::string keyword = dcmtk.getTagName() != nullptr ? dcmtk.getTagName() : "";
    if (keyword.starts_with(kRetiredPrefix)) {
        keyword.erase(0, kRetiredPrefix.size());
        entry.retired = true;
    }
    entry.keyword = std::move(keyword);
    entry.vr = dcmtk.getVR().getVRName();
    // A range of elements within one group, such as (0020,3100-31FF), has no
    // group to repeat; `repeating` promises "any group in the range".
    entry.repeating = dcmtk.isRepeatingGroup() != 0;
    if (dcmtk.getPrivateCreator() != nullptr) {
        entry.private_creator = dcmtk.getPrivateCreator();
        entry.element = static_cast<std::uint16_t>(entry.element & 0x00FFU);
    }
    return entry;
}

// DCMTK only iterates its dictionary through non-const members, so the copy
// takes the writer lock; released however the copy ends.
class WriteLockedDictionary {
public:
    WriteLockedDictionary() : dictionary_(dcmDataDict.wrlock()) {}
    ~WriteLockedDictionary() { dcmDataDict.wrunlock(); }
    WriteLockedDictionary(const WriteLockedDictionary&) = delete;
    WriteLockedDictionary& operator=(const WriteLockedDictionary&) = delete;
    DcmDataDictionary& operator*() const { return dictionary_; }

private:
    DcmDataDictionary& dictionary_;
};

}  // namespace

bool DcmtkDictionary::TagRange::contains(std::uint16_t group, std::uint16_t element) const {
    auto parity_fits = [](Parity parity, std::uint16_t value) {
        return parity == Parity::any || ((value & 1U) != 0) == (parity == Parity::odd);
    };
    return group >= first_group && group <= last_group && element >= first_element && element <= last_element &&
           parity_fits(group_parity, group) && parity_fits(element_parity, element);
}

DcmtkDictionary::DcmtkDictionary() {
    if (!dcmDataDict.isDictionaryLoaded()) {
        throw std::runtime_error(
            "DCMTK's DICOM data dictionary is not loaded: DCMDICTPATH names no readable dictionary, or the "
            "libdcmtk data files (dicom.dic, private.dic) are not installed");
    }
    copy_dcmtk_entries();
    index_standard();
    add_generated_tables();
}

void DcmtkDictionary::copy_dcmtk_entries() {
    struct Collected {
        DictionaryEntry entry;
        TagRange range;
    };
    std::vector<Collected> standard;
    std::vector<Collected> privates;
    auto collect = [&](const DcmDictEntry& dcmtk) {
        if (is_catch_all(dcmtk) || dcmtk.getTagName() == nullptr || *dcmtk.getTagName() == '\0') {
            return;
        }
        auto parity = [](DcmDictRangeRestriction restriction) {
            switch (restriction) {
                case DcmDictRange_Odd: return TagRange::Parity::odd;
                case DcmDictRange_Even: return TagRange::Parity::even;
                default: return TagRange::Parity::any;
            }
        };
        const bool is_private = dcmtk.getPrivateCreator() != nullptr;
        const std::uint16_t element_mask = is_private ? 0x00FFU : 0xFFFFU;
        const TagRange range{dcmtk.getGroup(),
                             dcmtk.getUpperGroup(),
                             static_cast<std::uint16_t>(dcmtk.getElement() & element_mask),
                             static_cast<std::uint16_t>(dcmtk.getUpperElement() & element_mask),
                             parity(dcmtk.getGroupRangeRestriction()),
                             parity(dcmtk.getElementRangeRestriction())};
        (is_private ? privates : standard).push_back({entry_from(dcmtk), range});
    };
    {
        const WriteLockedDictionary dictionary;
        for (auto it = (*dictionary).normalBegin(); it != (*dictionary).normalEnd(); ++it) {
            collect(**it);
        }
        for (auto it = (*dictionary).repeatingBegin(); it != (*dictionary).repeatingEnd(); ++it) {
            collect(**it);
        }
    }

    // DCMTK hands entries out in hash order; tag order makes every listing
    // and every "first one wins" below independent of that.
    std::sort(standard.begin(), standard.end(), [](const Collected& a, const Collected& b) {
        return std::tie(a.entry.group, a.entry.element, a.entry.keyword) <
               std::tie(b.entry.group, b.entry.element, b.entry.keyword);
    });
    std::sort(privates.begin(), privates.end(), [](const Collected& a, const Collected& b) {
        return std::tie(a.entry.group, a.entry.private_creator, a.entry.element, a.entry.keyword) <
               std::tie(b.entry.group, b.entry.private_creator, b.entry.element, b.entry.keyword);
    });
    for (auto& [entry, range] : standard) {
        if (entry.repeating || range.first_element != range.last_element) {
            repeating_.push_back({range, standard_.size()});
        }
        standard_.push_back(std::move(entry));
    }
    for (auto& [entry, range] : privates) {
        const std::size_t index = private_entries_.size();
        by_private_key_.try_emplace(
            PrivateKey{entry.group, entry.private_creator, static_cast<std::uint8_t>(entry.element)}, index);
        if (range.first_group != range.last_group || range.first_element != range.last_element) {
            repeating_private_.push_back({range, index});
        }
        private_entries_.push_back(std::move(entry));
    }
}

void DcmtkDictionary::index_standard() {
    keywords_.reserve(standard_.size());
    for (std::size_t index = 0; index < standard_.size(); ++index) {
        const DictionaryEntry& entry = standard_[index];
        const auto [existing, inserted] = by_keyword_.try_emplace(to_lower(entry.keyword), index);
        // A keyword used by a retired and a current element names the current one.
        if (!inserted && standard_[existing->second].retired && !entry.retired) {
            existing->second = index;
        }
        by_tag_.try_emplace(tag_of(entry.group, entry.element), index);
        keywords_.push_back(entry.keyword);
    }
    std::sort(keywords_.begin(), keywords_.end());
    keywords_.erase(std::unique(keywords_.begin(), keywords_.end()), keywords_.end());
}

void DcmtkDictionary::add_generated_tables() {
    for (const auto& [group, element, name] : kNames) {
        const auto found = by_tag_.find(tag_of(group, element));
        if (found == by_tag_.end()) {
            continue;
        }
        standard_[found->second].name = name;
        // Names repeat for a retired element and its successor ("Lossy Image
        // Compression" is (0008,2110) retired and (0028,2110)): the current one.
        const auto [existing, inserted] = by_name_.try_emplace(to_lower(name), found->second);
        if (!inserted && standard_[existing->second].retired && !standard_[found->second].retired) {
            existing->second = found->second;
        }
    }
    // After the names, so that alias targets carry them.
    for (const auto& [alias, group, element, kind] : kAliases) {
        if (const auto found = by_tag_.find(tag_of(group, element)); found != by_tag_.end()) {
            aliases_.try_emplace(to_lower(alias), AliasEntry{alias, kind, standard_[found->second]});
        }
    }
}

std::optional<DictionaryEntry> DcmtkDictionary::find_keyword(std::string_view keyword) const {
    if (const auto found = by_keyword_.find(to_lower(keyword)); found != by_keyword_.end()) {
        return standard_[found->second];
    }
    return std::nullopt;
}

std::optional<DictionaryEntry> DcmtkDictionary::find_name(std::string_view name) const {
    if (const auto found = by_name_.find(to_lower(name)); found != by_name_.end()) {
        return standard_[found->second];
    }
    return std::nullopt;
}

std::optional<AliasEntry> DcmtkDictionary::find_alias(std::string_view alias) const {
    if (const auto found = aliases_.find(to_lower(alias)); found != aliases_.end()) {
        return found->second;
    }
    return std::nullopt;
}

std::optional<DictionaryEntry> DcmtkDictionary::find_tag(std::uint16_t group, std::uint16_t element) const {
    if (const auto* entry = entry_for_tag(group, element)) {
        return *entry;
    }
    return std::nullopt;
}

const DictionaryEntry* DcmtkDictionary::entry_for_tag(std::uint16_t group, std::uint16_t element) const {
    if (const auto found = by_tag_.find(tag_of(group, element)); found != by_tag_.end()) {
        return &standard_[found->second];
    }
    for (const auto& [range, index] : repeating_) {
        if (range.contains(group, element)) {
            return &standard_[index];
        }
    }
    return nullptr;
}

std::optional<DictionaryEntry> DcmtkDictionary::find_private(std::uint16_t group, std::string_view creator,
                                                             std::uint8_t element_offset) const {
    if (const auto found = by_private_key_.find(PrivateKey{group, std::string(creator), element_offset});
        found != by_private_key_.end()) {
        return private_entries_[found->second];
    }
    for (const auto& [range, index] : repeating_private_) {
        if (private_entries_[index].private_creator == creator && range.contains(group, element_offset)) {
            return private_entries_[index];
        }
    }
    return std::nullopt;
}

void DcmtkDictionary::for_each_standard(const std::function<void(const DictionaryEntry&)>& visit) const {
    for (const auto& entry : standard_) {
        visit(entry);
    }
}

const DcmtkDictionary& standard_dictionary() {
    static const DcmtkDictionary dictionary;
    return dictionary;
}

}  // namespace deid
