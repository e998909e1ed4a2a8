#include "runtime/dictionary/dcmtk_dictionary.hpp"

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

constexpr std::uint32_t tag_of(std::uint16_t group, std::uint16_t element) {
    return (static_cast<std::uint32_t>(group) << 16U) | element;
}

DictionaryEntry entry_from(const DcmDictEntry& dcmtk) {
    DictionaryEntry entry;
    entry.group = dcmtk.getGroup();
    entry.element = dcmtk.getElement();
    std::string keyword = dcmtk.getTagName() ? dcmtk.getTagName() : "";
    constexpr std::string_view kRetired = "RETIRED_";
    if (keyword.starts_with(kRetired)) {
        keyword.erase(0, kRetired.size());
        entry.retired = true;
    }
    entry.keyword = std::move(keyword);
    entry.vr = dcmtk.getVR().getVRName();
    entry.repeating = dcmtk.isRepeating() != 0;
    if (dcmtk.getPrivateCreator() != nullptr) {
        entry.private_creator = dcmtk.getPrivateCreator();
        entry.element = static_cast<std::uint16_t>(entry.element & 0x00FFU);
    }
    return entry;
}

}  // namespace

DcmtkDictionary::DcmtkDictionary() {
    if (!dcmDataDict.isDictionaryLoaded()) {
        throw std::runtime_error(
            "DCMTK's DICOM data dictionary is not loaded (check DCMDICTPATH or the libdcmtk installation)");
    }
    // DCMTK iterates its dictionary only through non-const members, hence the
    // writer lock for this one-time copy.
    DcmDataDictionary& dictionary = dcmDataDict.wrlock();
    auto add = [&](const DcmDictEntry& dcmtk) {
        DictionaryEntry entry = entry_from(dcmtk);
        if (!entry.private_creator.empty()) {
            private_.emplace(std::make_tuple(entry.group, entry.private_creator,
                                             static_cast<std::uint8_t>(entry.element)),
                             entry);
            return;
        }
        if (entry.keyword.empty()) {
            return;
        }
        const std::size_t index = standard_.size();
        const std::string key = to_lower(entry.keyword);
        const auto existing = by_keyword_.find(key);
        // A keyword used by a retired and a current element names the current one.
        if (existing == by_keyword_.end() || (standard_[existing->second].retired && !entry.retired)) {
            by_keyword_[key] = index;
        }
        by_tag_.try_emplace(tag_of(entry.group, entry.element), index);
        standard_.push_back(std::move(entry));
    };
    for (auto it = dictionary.normalBegin(); it != dictionary.normalEnd(); ++it) {
        add(**it);
    }
    for (auto it = dictionary.repeatingBegin(); it != dictionary.repeatingEnd(); ++it) {
        add(**it);
    }
    dcmDataDict.wrunlock();

    for (const auto& entry : standard_) {
        keywords_.push_back(entry.keyword);
    }
    for (const auto& [group, element, name] : kNames) {
        if (const auto found = by_tag_.find(tag_of(group, element)); found != by_tag_.end()) {
            standard_[found->second].name = name;
            by_name_.try_emplace(to_lower(name), found->second);
        }
    }
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
    if (const auto found = by_tag_.find(tag_of(group, element)); found != by_tag_.end()) {
        return standard_[found->second];
    }
    return std::nullopt;
}

std::optional<DictionaryEntry> DcmtkDictionary::find_private(std::uint16_t group, std::string_view creator,
                                                             std::uint8_t element_offset) const {
    if (const auto found = private_.find(std::make_tuple(group, std::string(creator), element_offset));
        found != private_.end()) {
        return found->second;
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
