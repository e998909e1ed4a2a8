#include "runtime/dicom/character_set.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcspchrs.h>

namespace deid {
namespace {

bool affected_by_character_set(DcmEVR vr) {
    switch (vr) {
        case EVR_SH: case EVR_LO: case EVR_ST: case EVR_LT: case EVR_UT: case EVR_PN: case EVR_UC: return true;
        default: return false;
    }
}

// Whether any value the character set applies to holds a byte beyond ASCII.
bool has_non_ascii_text(DcmItem& item) {
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        auto* element = static_cast<DcmElement*>(object);
        if (element->ident() == EVR_SQ) {
            auto* sequence = static_cast<DcmSequenceOfItems*>(element);
            for (unsigned long i = 0; i < sequence->card(); ++i) {
                if (has_non_ascii_text(*sequence->getItem(i))) {
                    return true;
                }
            }
            continue;
        }
        if (!affected_by_character_set(element->ident())) {
            continue;
        }
        char* text = nullptr;
        if (element->getString(text).good() && text != nullptr) {
            for (const unsigned char* c = reinterpret_cast<unsigned char*>(text); *c != 0; ++c) {
                if (*c >= 0x80) {
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace

std::optional<CharacterSetConversion> convert_text_to_utf8(DcmFileFormat& file) {
    DcmDataset& dataset = *file.getDataset();
    OFString declared;
    dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, declared);
    if (declared == "ISO_IR 192" || !has_non_ascii_text(dataset)) {
        return std::nullopt;
    }
    CharacterSetConversion conversion{declared.c_str(), ""};
    if (!DcmSpecificCharacterSet::isConversionAvailable()) {
        conversion.error = "this DCMTK cannot convert character sets";
        return conversion;
    }
    if (const OFCondition status = dataset.convertToUTF8(); status.bad()) {
        conversion.error = status.text();
    }
    return conversion;
}

bool declare_utf8_for_written_text(DcmFileFormat& file, bool any_written_value_beyond_ascii) {
    DcmDataset& dataset = *file.getDataset();
    OFString declared;
    dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, declared);
    if (!any_written_value_beyond_ascii || declared == "ISO_IR 192") {
        return false;
    }
    dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    return true;
}

std::string describe(const CharacterSetConversion& conversion) {
    const std::string from = conversion.from.empty() ? "the default repertoire" : conversion.from;
    if (!conversion.error.empty()) {
        return "values in " + from + " could not be converted to UTF-8 (" + conversion.error +
               "); they are kept as they are";
    }
    return "values converted from " + from + " to UTF-8: SpecificCharacterSet is now ISO_IR 192";
}

}  // namespace deid
