#include "runtime/dicom/unknown_vr.hpp"

#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>

namespace deid {
namespace {

// Text VRs, whose bytes read the same in every transfer syntax.
bool is_text_vr(DcmEVR vr) {
    switch (vr) {
        case EVR_AE: case EVR_AS: case EVR_CS: case EVR_DA: case EVR_DS: case EVR_DT: case EVR_IS: case EVR_LO:
        case EVR_LT: case EVR_PN: case EVR_SH: case EVR_ST: case EVR_TM: case EVR_UC: case EVR_UI: case EVR_UR:
        case EVR_UT:
            return true;
        default:
            return false;
    }
}

int reinterpret(DcmItem& item) {
    int changed = 0;
    std::vector<DcmElement*> elements;
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        elements.push_back(static_cast<DcmElement*>(object));
    }
    for (DcmElement* element : elements) {
        if (element->ident() == EVR_SQ) {
            auto* sequence = static_cast<DcmSequenceOfItems*>(element);
            for (unsigned long i = 0; i < sequence->card(); ++i) {
                changed += reinterpret(*sequence->getItem(i));
            }
            continue;
        }
        const DcmTagKey key = element->getTag().getXTag();
        if (element->ident() != EVR_UN || key.getGroup() % 2 == 1) {
            continue;
        }
        DcmTag known(key);  // the dictionary's VR
        if (!is_text_vr(known.getEVR()) || element->getLength() == 0xFFFFFFFFU) {
            continue;
        }
        std::string text(element->getLength(), '\0');
        if (!text.empty() && element->getPartialValue(text.data(), 0, static_cast<Uint32>(text.size())).bad()) {
            continue;
        }
        while (!text.empty() && (text.back() == '\0' || (text.back() == ' ' && known.getEVR() != EVR_UI))) {
            text.pop_back();
        }
        DcmElement* typed = DcmItem::newDicomElement(known);
        if (typed == nullptr || typed->putString(text.c_str()).bad() || item.insert(typed, OFTrue).bad()) {
            delete typed;
            continue;
        }
        ++changed;
    }
    return changed;
}

}  // namespace

int reinterpret_unknown_text(DcmFileFormat& file) {
    return reinterpret(*file.getMetaInfo()) + reinterpret(*file.getDataset());
}

}  // namespace deid
