#include "runtime/dicom/dcmtk_dataset.hpp"

#include <array>
#include <charconv>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>

#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::array<DcmEVR, 8> kBinaryVrs = {EVR_OB, EVR_OW, EVR_OD, EVR_OF, EVR_OL, EVR_OV, EVR_UN, EVR_ox};

bool is_binary(DcmEVR vr) {
    return std::find(kBinaryVrs.begin(), kBinaryVrs.end(), vr) != kBinaryVrs.end() || vr == EVR_px ||
           vr == EVR_pixelSQ;
}

// The creator of a private data element, read from its (gggg,00xx) slot in
// the same item; "" for anything else.
std::string private_creator_of(DcmItem& item, const DcmTagKey& key) {
    const Uint16 element = key.getElement();
    if (key.getGroup() % 2 == 0 || element < 0x1000) {
        return "";
    }
    const char* creator = nullptr;
    if (item.findAndGetString(DcmTagKey(key.getGroup(), static_cast<Uint16>(element >> 8)), creator).good() &&
        creator != nullptr) {
        return creator;
    }
    return "";
}

std::string keyword_of(const DcmTagKey& key, const std::string& creator) {
    DcmTag tag(key, creator.empty() ? nullptr : creator.c_str());
    std::string keyword = tag.getTagName();
    if (keyword == DcmTag_ERROR_TagName || keyword == "Unknown Tag & Data") {
        return "";
    }
    constexpr std::string_view kRetired = "RETIRED_";
    if (keyword.starts_with(kRetired)) {
        keyword.erase(0, kRetired.size());
    }
    return keyword;
}

void collect(DcmItem& item, const std::string& path_prefix, const std::string& name_prefix, std::size_t depth,
             bool file_meta, std::vector<ElementInfo>& out) {
    for (unsigned long i = 0; i < item.card(); ++i) {
        DcmElement* element = item.getElement(i);
        const DcmTagKey key = element->getTag().getXTag();
        ElementInfo info;
        info.group = key.getGroup();
        info.element = key.getElement();
        info.private_creator = private_creator_of(item, key);
        info.keyword = keyword_of(key, info.private_creator);
        if (info.private_creator.empty() && !info.is_private()) {
            if (auto entry = standard_dictionary().find_tag(info.group, info.element)) {
                info.name = entry->name;
            }
        }
        info.vr = DcmVR(element->ident()).getVRName();
        info.file_meta = file_meta;
        info.depth = depth;
        info.length = element->getLength();
        const std::string step = tag_path_step(info.group, info.element);
        info.path = path_prefix + step;
        info.nested_name = name_prefix + (info.keyword.empty() ? step : info.keyword);
        out.push_back(info);
        if (element->ident() == EVR_SQ) {
            auto* sequence = static_cast<DcmSequenceOfItems*>(element);
            for (unsigned long n = 0; n < sequence->card(); ++n) {
                collect(*sequence->getItem(n), info.path + "__" + std::to_string(n) + "__", info.nested_name + "__",
                        depth + 1, file_meta, out);
            }
        }
    }
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
    std::vector<ElementInfo> out;
    collect(*file_.getMetaInfo(), "", "", 0, true, out);
    collect(*file_.getDataset(), "", "", 0, false, out);
    return out;
}

DcmtkDataset::Located DcmtkDataset::locate(std::string_view path) const {
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
        DcmElement* element = nullptr;
        if (item->findAndGetElement(*key, element, OFFalse).bad() || element == nullptr) {
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
    if (vr == EVR_SQ || is_binary(vr) || located.element->getLength() == 0) {
        return std::vector<std::string>{};
    }
    OFString joined;
    if (located.element->getOFStringArray(joined).bad()) {
        return std::vector<std::string>{};
    }
    return split_multi_value(std::string_view(joined.c_str(), joined.length()));
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
    const std::string joined = join_multi_value(values);
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
    return WriteResult::done;
}

WriteResult DcmtkDataset::blank(std::string_view path) {
    const Located located = locate(path);
    if (located.element == nullptr) {
        return WriteResult::not_found;
    }
    if (located.element->ident() == EVR_SQ) {
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
    delete located.parent->remove(located.element);
    return WriteResult::done;
}

WriteResult DcmtkDataset::add(std::uint16_t group, std::uint16_t element, std::string_view vr,
                              const std::vector<std::string>& values) {
    DcmItem& item = group == 0x0002 ? static_cast<DcmItem&>(*file_.getMetaInfo())
                                    : static_cast<DcmItem&>(*file_.getDataset());
    const DcmTagKey key(group, element);
    const std::string creator = private_creator_of(item, key);
    DcmTag tag(key, creator.empty() ? nullptr : creator.c_str());
    if (!vr.empty()) {
        tag.setVR(DcmVR(std::string(vr).c_str()));
    } else if (const std::string_view known = tag.getVRName(); known == "??" || known == "UN") {
        tag.setVR(DcmVR(EVR_LO));  // a private element the dictionary does not know
    }
    if (tag.getEVR() == EVR_SQ) {
        return WriteResult::unsupported;
    }
    item.findAndDeleteElement(key, OFFalse, OFFalse);
    // Created empty first (DCMTK's newDicomElement would drop the VR of a
    // private tag), then written through set() for the VR conversion.
    if (item.putAndInsertString(tag, "", OFTrue).bad()) {
        return WriteResult::unsupported;
    }
    return set(tag_path_step(group, element), values);
}

}  // namespace deid
