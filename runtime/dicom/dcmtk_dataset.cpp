#include "runtime/dicom/dcmtk_dataset.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>

#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "runtime/dictionary/private_dictionary.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::array<DcmEVR, 8> kBinaryVrs = {EVR_OB, EVR_OW, EVR_OD, EVR_OF, EVR_OL, EVR_OV, EVR_UN, EVR_ox};

bool is_binary(DcmEVR vr) {
    return std::find(kBinaryVrs.begin(), kBinaryVrs.end(), vr) != kBinaryVrs.end() || vr == EVR_px ||
           vr == EVR_pixelSQ;
}

// The private creators of one item by their (gggg,00xx) slot.
using Creators = std::map<std::uint32_t, std::string>;

std::uint32_t creator_slot(std::uint16_t group, std::uint16_t block) { return (std::uint32_t{group} << 16U) | block; }

Creators creators_of(const std::vector<DcmElement*>& elements) {
    Creators creators;
    for (DcmElement* element : elements) {
        const DcmTagKey key = element->getTag().getXTag();
        if (key.getGroup() % 2 == 1 && key.getElement() >= 0x0010 && key.getElement() <= 0x00FF) {
            char* text = nullptr;
            if (element->getString(text).good() && text != nullptr) {
                creators.emplace(creator_slot(key.getGroup(), key.getElement()), text);
            }
        }
    }
    return creators;
}

// The creator of a private data element, from its (gggg,00xx) slot in the
// same item; "" for anything else.
std::string private_creator_of(const Creators& creators, const DcmTagKey& key) {
    if (key.getGroup() % 2 == 0 || key.getElement() < 0x1000) {
        return "";
    }
    const auto found = creators.find(creator_slot(key.getGroup(), static_cast<std::uint16_t>(key.getElement() >> 8U)));
    return found == creators.end() ? "" : found->second;
}

// The same for one element being added to `item`.
std::string private_creator_of(DcmItem& item, const DcmTagKey& key) {
    if (key.getGroup() % 2 == 0 || key.getElement() < 0x1000) {
        return "";
    }
    const char* creator = nullptr;
    const DcmTagKey slot(key.getGroup(), static_cast<Uint16>(key.getElement() >> 8U));
    return item.findAndGetString(slot, creator).good() && creator != nullptr ? creator : "";
}

// What DCMTK's own dictionary calls a standard tag our copy has no row for
// (group lengths, for one). DCMTK's global dictionary takes a process-wide
// lock on every lookup, which serialises parallel workers, so each thread
// remembers the answers.
std::string dcmtk_keyword(const DcmTagKey& key) {
    thread_local std::map<std::uint32_t, std::string> known;
    const std::uint32_t tag = (std::uint32_t{key.getGroup()} << 16U) | key.getElement();
    if (const auto found = known.find(tag); found != known.end()) {
        return found->second;
    }
    DcmTag dcmtk_tag(key);
    std::string keyword = dcmtk_tag.getTagName();
    if (keyword == DcmTag_ERROR_TagName || keyword == "Unknown Tag & Data") {
        keyword.clear();
    }
    constexpr std::string_view kRetired = "RETIRED_";
    if (keyword.starts_with(kRetired)) {
        keyword.erase(0, kRetired.size());
    }
    if (known.size() > 100'000) {
        known.clear();  // a bound, should a corpus hold endless distinct unknown tags
    }
    known.emplace(tag, keyword);
    return keyword;
}

// The standard dictionary's entry for a tag, remembered per thread: a
// corpus lists the same few hundred tags in every file, and each lookup in
// the dictionary's hash table misses the processor's cache. The entries are
// standard_dictionary()'s, which lives until the program exits.
const DictionaryEntry* standard_entry(std::uint16_t group, std::uint16_t element) {
    struct Slot {
        std::uint32_t tag = 0;
        bool filled = false;
        const DictionaryEntry* entry = nullptr;
    };
    thread_local std::array<Slot, 1024> slots;
    const std::uint32_t tag = (static_cast<std::uint32_t>(group) << 16U) | element;
    Slot& slot = slots[(tag * 2654435761U) >> 22U];  // Fibonacci hashing onto 10 bits
    if (!slot.filled || slot.tag != tag) {
        slot = {tag, true, standard_dictionary().entry_for_tag(group, element)};
    }
    return slot.entry;
}

void describe(const DcmTagKey& key, ElementInfo& info) {
    if (info.is_private()) {
        // One rule for every private element, whichever dictionary knows it:
        // no keyword (its step in a nested name is its tag), and the name
        // pydicom's private dictionary gives it, bracketed as the established
        // tool shows it, so startswith:/endswith: patterns do not reach into
        // it. Name patterns thus see exactly the private names the
        // established tool sees.
        if (!info.private_creator.empty()) {
            if (const auto entry = find_private_entry(info.group, info.element, info.private_creator)) {
                info.name = "[" + std::string(entry->name) + "]";
            }
        }
        return;
    }
    if (const auto* entry = standard_entry(info.group, info.element)) {
        info.keyword = entry->keyword;
        info.name = entry->name;
        return;
    }
    info.keyword = dcmtk_keyword(key);
}

std::vector<DcmElement*> elements_of(DcmItem& item) {
    // nextInContainer is linear only while nothing else moves the list's
    // cursor, so the elements are listed first and examined after.
    std::vector<DcmElement*> elements;
    elements.reserve(item.card());
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        elements.push_back(static_cast<DcmElement*>(object));
    }
    return elements;
}

// Fills `info` in place: the listing holds one per element of every file,
// and a finished ElementInfo (seven strings) costs a move to put there.
void describe_element(DcmElement& element, const Creators& creators, const std::string& path_prefix,
                      const std::string& name_prefix, std::size_t depth, bool file_meta, ElementInfo& info) {
    const DcmTagKey key = element.getTag().getXTag();
    info.group = key.getGroup();
    info.element = key.getElement();
    info.private_creator = private_creator_of(creators, key);
    describe(key, info);
    info.vr = DcmVR(element.ident()).getVRName();
    info.file_meta = file_meta;
    info.depth = depth;
    info.length = element.getLength();
    const std::string step = tag_path_step(info.group, info.element);
    info.path.reserve(path_prefix.size() + step.size());
    info.path.append(path_prefix).append(step);
    const std::string& last = info.keyword.empty() ? step : info.keyword;
    info.nested_name.reserve(name_prefix.size() + last.size());
    info.nested_name.append(name_prefix).append(last);
}

using Places = DcmtkDataset::Places;

void collect(DcmItem& item, const std::string& path_prefix, const std::string& name_prefix, std::size_t depth,
             bool file_meta, std::vector<ElementInfo>& out, Places& places) {
    const std::vector<DcmElement*> elements = elements_of(item);
    const Creators creators = creators_of(elements);
    for (DcmElement* element : elements) {
        ElementInfo& info = out.emplace_back();
        describe_element(*element, creators, path_prefix, name_prefix, depth, file_meta, info);
        places.insert_or_assign(info.path, DcmtkDataset::Located{&item, element});
        if (element->ident() != EVR_SQ) {
            continue;
        }
        // `info` may move while the items are listed: its names are copied first.
        const std::string item_path = info.path + "__";
        const std::string item_name = info.nested_name + "__";
        auto* sequence = static_cast<DcmSequenceOfItems*>(element);
        for (unsigned long index = 0; index < sequence->card(); ++index) {
            // getItem(i) seeks from the start, but sequences hold few items.
            collect(*sequence->getItem(index), item_path + std::to_string(index) + "__", item_name, depth + 1,
                    file_meta, out, places);
        }
    }
}

// The VR of an element ADD creates (spec §3.6): the dictionary's for a
// standard tag. For a private one, the VR pydicom's private dictionary gives
// it under the block's creator, as the established tool takes it; a
// private creator slot is LO, as the standard says; anything else is ST
// (not LO, whose 64 characters a value may exceed).
DcmVR new_element_vr(const DcmTagKey& key, const std::string& creator) {
    if (key.getGroup() % 2 == 1) {
        if (key.getElement() >= 0x0010 && key.getElement() <= 0x00FF) {
            return DcmVR(EVR_LO);
        }
        if (!creator.empty()) {
            if (const auto entry = find_private_entry(key.getGroup(), key.getElement(), creator)) {
                // A few entries offer two VRs ("US or SS", "OB_OW"): the first.
                const DcmVR vr(std::string(entry->vr.substr(0, 2)).c_str());
                if (vr.isStandard()) {
                    return vr;
                }
            }
        }
        return DcmVR(EVR_ST);
    }
    const DcmVR known = DcmTag(key).getVR();
    if (const std::string_view name = known.getVRName(); name == "??" || name == "UN") {
        return DcmVR(EVR_ST);
    }
    return known;
}

// An AT value as DCMTK reads it, "(gggg,eeee)", from any form a recipe may
// write: GGGGEEEE, (GGGG,EEEE) or GGGG,EEEE (blanks around it ignored).
std::optional<std::string> attribute_tag_text(std::string_view value) {
    value = trim(value);
    if (value.size() == 11 && value.front() == '(' && value.back() == ')') {
        value = value.substr(1, 9);
    }
    std::string digits;
    if (value.size() == 9 && value[4] == ',') {
        digits = std::string(value.substr(0, 4)) + std::string(value.substr(5, 4));
    } else if (value.size() == 8) {
        digits = std::string(value);
    } else {
        return std::nullopt;
    }
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    return "(" + digits.substr(0, 4) + "," + digits.substr(4, 4) + ")";
}

// The element `key` of `item`, or null. Items keep their elements in tag
// order, so the walk stops at the first larger tag; DCMTK's own search
// builds a stack of the path on the heap for every lookup, which dominated
// a run of a recipe with many actions.
DcmElement* find_in(DcmItem& item, const DcmTagKey& key) {
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        const DcmTagKey found = object->getTag().getXTag();
        if (found == key) {
            return static_cast<DcmElement*>(object);
        }
        if (found > key) {
            return nullptr;
        }
    }
    return nullptr;
}

std::optional<DcmTagKey> parse_tag_step(std::string_view step) {
    if (step.size() != 11 || step.front() != '(' || step[5] != ',' || step.back() != ')') {
        return std::nullopt;
    }
    Uint16 group = 0;
    Uint16 element = 0;
    if (std::from_chars(step.data() + 1, step.data() + 5, group, 16).ptr != step.data() + 5 ||
        std::from_chars(step.data() + 6, step.data() + 10, element, 16).ptr != step.data() + 10) {
        return std::nullopt;
    }
    return DcmTagKey(group, element);
}

}  // namespace

DcmtkDataset::DcmtkDataset(DcmFileFormat& file) : file_(file) {}

std::vector<ElementInfo> DcmtkDataset::elements() const {
    // Room for the top level at once; sequences' items add a few more.
    const std::size_t top_level = file_.getMetaInfo()->card() + file_.getDataset()->card();
    std::vector<ElementInfo> out;
    out.reserve(top_level + top_level / 2);
    places_.clear();
    places_.reserve(out.capacity());
    collect(*file_.getMetaInfo(), "", "", 0, true, out, places_);
    collect(*file_.getDataset(), "", "", 0, false, out, places_);
    return out;
}

std::optional<ElementInfo> DcmtkDataset::top_level_element(std::uint16_t group, std::uint16_t element) const {
    const bool file_meta = group == 0x0002;
    DcmItem& item = file_meta ? static_cast<DcmItem&>(*file_.getMetaInfo()) : static_cast<DcmItem&>(*file_.getDataset());
    DcmElement* found = nullptr;
    if (item.findAndGetElement(DcmTagKey(group, element), found, OFFalse).bad() || found == nullptr) {
        return std::nullopt;
    }
    const Creators creators = group % 2 == 1 ? creators_of(elements_of(item)) : Creators{};
    ElementInfo info;
    describe_element(*found, creators, "", "", 0, file_meta, info);
    return info;
}

void DcmtkDataset::forget(std::string_view path, bool items) {
    if (const auto known = places_.find(path); known != places_.end()) {
        places_.erase(known);
    }
    if (items) {
        const std::string inside = std::string(path) + "__";
        std::erase_if(places_, [&](const auto& place) { return place.first.starts_with(inside); });
    }
}

DcmtkDataset::Located DcmtkDataset::locate(std::string_view path) const {
    if (const auto known = places_.find(path); known != places_.end()) {
        return known->second;
    }
    DcmItem* item = nullptr;
    Located found;
    while (!path.empty()) {
        const auto separator = path.find("__");
        const std::string_view step = path.substr(0, separator);
        path = separator == std::string_view::npos ? std::string_view{} : path.substr(separator + 2);
        const auto key = parse_tag_step(step);
        if (!key) {
            return {};
        }
        if (item == nullptr) {
            item = key->getGroup() == 0x0002 ? static_cast<DcmItem*>(file_.getMetaInfo())
                                             : static_cast<DcmItem*>(file_.getDataset());
        }
        DcmElement* element = find_in(*item, *key);
        if (element == nullptr) {
            return {};
        }
        found = {item, element};
        if (path.empty()) {
            return found;
        }
        // The next step is an item index inside this sequence.
        const auto index_end = path.find("__");
        const std::string_view index_text = path.substr(0, index_end);
        unsigned long index = 0;
        if (element->ident() != EVR_SQ || index_end == std::string_view::npos ||
            std::from_chars(index_text.data(), index_text.data() + index_text.size(), index).ptr !=
                index_text.data() + index_text.size()) {
            return {};
        }
        auto* sequence = static_cast<DcmSequenceOfItems*>(element);
        if (index >= sequence->card()) {
            return {};
        }
        item = sequence->getItem(index);
        path = path.substr(index_end + 2);
    }
    return {};
}

std::optional<std::vector<std::string>> DcmtkDataset::values(std::string_view path) const {
    const Located located = locate(path);
    if (located.element == nullptr) {
        return std::nullopt;
    }
    const DcmEVR vr = located.element->ident();
    if (vr == EVR_SQ || is_binary(vr)) {
        return std::vector<std::string>{};
    }
    // An empty value reads as "" (DCMTK drops a text value's padding, so
    // blanks only are empty too): no values. Not asked through getLength(),
    // which turns a text value back into its padded form, only for the read
    // to strip it again: twice the work for every value read.
    OFString joined;
    if (located.element->getOFStringArray(joined).bad() || joined.empty()) {
        return std::vector<std::string>{};
    }
    return split_multi_value(std::string_view(joined.c_str(), joined.length()));
}

std::optional<std::string> DcmtkDataset::bytes(std::string_view path, std::size_t limit) const {
    const Located located = locate(path);
    if (located.element == nullptr || !is_binary(located.element->ident()) || located.element->ident() == EVR_px ||
        located.element->ident() == EVR_pixelSQ || located.element->getLength() == 0xFFFFFFFFU) {
        return std::nullopt;
    }
    std::string data(std::min<std::size_t>(located.element->getLength(), limit), '\0');
    if (!data.empty() &&
        located.element->getPartialValue(data.data(), 0, static_cast<Uint32>(data.size())).bad()) {
        return std::string();
    }
    return data;
}

WriteResult DcmtkDataset::set(std::string_view path, const std::vector<std::string>& values) {
    const Located located = locate(path);
    if (located.element == nullptr) {
        return WriteResult::not_found;
    }
    DcmElement& element = *located.element;
    const DcmEVR vr = element.ident();
    if (vr == EVR_SQ) {
        return WriteResult::unsupported;
    }
    // A value longer than its VR allows would make an invalid file, or
    // (past 64 KiB in a VR with a 16-bit length) be written as UN: it is
    // cut to the VR's maximum (PS3.5 Table 6.2-1), and the caller warns.
    bool cut = false;
    std::vector<std::string> fitted = values;
    const DcmVR vr_info(vr);
    if (vr_info.isaString() && vr != EVR_AT) {
        const std::size_t longest = vr_info.getMaxValueLength();
        for (auto& value : fitted) {
            if (value.size() > longest) {
                std::size_t keep = longest;
                while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0U) == 0x80U) {
                    --keep;  // not inside a UTF-8 sequence
                }
                value.resize(keep);
                cut = true;
            }
        }
    }
    std::string joined = join_multi_value(fitted);
    if (!vr_info.usesExtendedLengthEncoding() && joined.size() > 0xFFFE) {
        return WriteResult::conversion_failed;  // too many values for a 16-bit length
    }
    if (vr == EVR_AT) {
        std::vector<std::string> tags;
        for (const auto& value : values) {
            auto tag = attribute_tag_text(value);
            if (!tag) {
                return WriteResult::conversion_failed;
            }
            tags.push_back(std::move(*tag));
        }
        joined = join_multi_value(tags);
    }
    OFString original;
    const bool had_value = !is_binary(vr) && element.getOFStringArray(original).good();
    OFCondition status;
    if (is_binary(vr)) {
        status = element.putUint8Array(reinterpret_cast<const Uint8*>(joined.data()), static_cast<unsigned long>(joined.size()));
    } else {
        status = element.putString(joined.c_str());
        // DCMTK stores unparsable numbers quietly; check that they read back.
        if (status.good() && !DcmVR(vr).isaString()) {
            status = element.checkValue();
        }
    }
    if (status.bad()) {
        if (had_value) {
            element.putOFStringArray(original);
        } else {
            element.clear();
        }
        return WriteResult::conversion_failed;
    }
    return cut ? WriteResult::cut : WriteResult::done;
}

WriteResult DcmtkDataset::blank(std::string_view path) {
    const Located located = locate(path);
    if (located.element == nullptr) {
        return WriteResult::not_found;
    }
    if (located.element->ident() == EVR_SQ) {
        forget(path, true);
        places_.insert_or_assign(std::string(path), located);
        static_cast<DcmSequenceOfItems*>(located.element)->clear();
    } else {
        located.element->clear();
    }
    return WriteResult::done;
}

WriteResult DcmtkDataset::remove(std::string_view path) {
    const Located located = locate(path);
    if (located.element == nullptr) {
        return WriteResult::not_found;
    }
    forget(path, located.element->ident() == EVR_SQ);
    delete located.parent->remove(located.element);
    return WriteResult::done;
}

ElementInfo DcmtkDataset::new_top_level_element(std::uint16_t group, std::uint16_t element) const {
    const DcmTagKey key(group, element);
    ElementInfo info;
    info.group = group;
    info.element = element;
    info.file_meta = group == 0x0002;
    info.private_creator = private_creator_of(top_level_item(group), key);
    describe(key, info);
    info.vr = new_element_vr(key, info.private_creator).getVRName();
    info.path = tag_path_step(group, element);
    info.nested_name = info.keyword.empty() ? info.path : info.keyword;
    return info;
}

WriteResult DcmtkDataset::add(std::uint16_t group, std::uint16_t element, std::string_view vr,
                              const std::vector<std::string>& values) {
    DcmItem& item = top_level_item(group);
    const DcmTagKey key(group, element);
    const std::string path = tag_path_step(group, element);
    if (item.tagExists(key, OFFalse)) {
        return set(path, values);
    }
    const std::string creator = private_creator_of(item, key);
    DcmTag tag(key, creator.empty() ? nullptr : creator.c_str());
    tag.setVR(vr.empty() ? new_element_vr(key, creator) : DcmVR(std::string(vr).c_str()));
    if (tag.getEVR() == EVR_SQ) {
        return WriteResult::unsupported;
    }
    forget(tag_path_step(group, element), true);
    // Created empty first (DCMTK's newDicomElement would drop the VR of a
    // private tag), then written through set() for the VR conversion.
    if (item.putAndInsertString(tag, "", OFTrue).bad()) {
        return WriteResult::unsupported;
    }
    const WriteResult written = set(path, values);
    if (written != WriteResult::done && written != WriteResult::cut) {
        // A value that does not convert leaves the dataset as it was: without the element.
        item.findAndDeleteElement(key, OFFalse, OFFalse);
    }
    return written;
}

WriteResult DcmtkDataset::append_coded_items(std::uint16_t group, std::uint16_t element,
                                             const std::vector<CodedItem>& items, bool replace) {
    DcmItem& top = top_level_item(group);
    const DcmTagKey key(group, element);
    DcmElement* found = nullptr;
    if (top.findAndGetElement(key, found, OFFalse).good() && found != nullptr && found->ident() != EVR_SQ) {
        return WriteResult::unsupported;
    }
    forget(tag_path_step(group, element), true);
    if (replace) {
        top.findAndDeleteElement(key, OFFalse, OFFalse);
    }
    if (!top.tagExists(key, OFFalse) && top.insertEmptyElement(key).bad()) {
        return WriteResult::unsupported;
    }
    for (const auto& coded : items) {
        DcmItem* item = nullptr;
        if (top.findOrCreateSequenceItem(key, item, -2).bad() || item == nullptr ||
            item->putAndInsertString(DCM_CodingSchemeDesignator, coded.scheme.c_str()).bad() ||
            item->putAndInsertString(DCM_CodeValue, coded.value.c_str()).bad() ||
            item->putAndInsertString(DCM_CodeMeaning, coded.meaning.c_str()).bad()) {
            return WriteResult::unsupported;
        }
    }
    return WriteResult::done;
}

DcmItem& DcmtkDataset::top_level_item(std::uint16_t group) const {
    return group == 0x0002 ? static_cast<DcmItem&>(*file_.getMetaInfo()) : static_cast<DcmItem&>(*file_.getDataset());
}

}  // namespace deid
