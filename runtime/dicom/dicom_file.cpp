#include "runtime/dicom/dicom_file.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <system_error>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <utility>

namespace deid {

namespace {

// deid's own implementation identity in the meta headers it writes. The UID
// is UUID-derived (2.25 root), so it needs no registered organisation root.
constexpr const char* kImplementationClassUid = "2.25.164885211883086541592982762740727042227";
constexpr const char* kImplementationVersionName = "DEID_0.1";

// The meta header written is the input's, updated: MediaStorageSOP* copied
// from the dataset where it has them (never invented), the transfer syntax
// of the output, and deid's implementation identity.
void update_meta_header(DcmFileFormat& file, E_TransferSyntax syntax) {
    DcmMetaInfo& meta = *file.getMetaInfo();
    DcmDataset& dataset = *file.getDataset();
    if (!meta.tagExists(DCM_FileMetaInformationVersion)) {
        const Uint8 version[] = {0x00, 0x01};
        meta.putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
    }
    for (const auto& [from, to] : {std::pair{DCM_SOPClassUID, DCM_MediaStorageSOPClassUID},
                                   std::pair{DCM_SOPInstanceUID, DCM_MediaStorageSOPInstanceUID}}) {
        // Only a real UI value: some files carry the UIDs as UN bytes.
        DcmElement* element = nullptr;
        OFString uid;
        if (dataset.findAndGetElement(from, element, OFFalse).good() && element->ident() == EVR_UI &&
            element->getOFStringArray(uid).good() && !uid.empty()) {
            meta.putAndInsertOFStringArray(to, uid);
        }
    }
    meta.putAndInsertString(DCM_TransferSyntaxUID, DcmXfer(syntax).getXferID());
    meta.putAndInsertString(DCM_ImplementationClassUID, kImplementationClassUid);
    meta.putAndInsertString(DCM_ImplementationVersionName, kImplementationVersionName);
    // The meta header is always explicit VR little endian; its group length
    // must count what is in it now.
    if (!meta.tagExists(DCM_FileMetaInformationGroupLength)) {
        meta.putAndInsertUint32(DCM_FileMetaInformationGroupLength, 0);
    }
    meta.computeGroupLengthAndPadding(EGL_recalcGL, EPD_noChange, EXS_LittleEndianExplicit, EET_ExplicitLength);
}

bool is_illegal_group(std::uint16_t group) {
    return group == 0x0001 || group == 0x0003 || group == 0x0005 || group == 0x0007 || group == 0xFFFF;
}

std::string path_step(const DcmTagKey& key) {
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "(%04X,%04X)", key.getGroup(), key.getElement());
    return buffer.data();
}

void drop_illegal_in(DcmItem& item, const std::string& prefix, std::vector<std::string>& dropped) {
    // Collected first: removing while walking would move the item's cursor.
    std::vector<DcmElement*> elements;
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        elements.push_back(static_cast<DcmElement*>(object));
    }
    for (DcmElement* element : elements) {
        const DcmTagKey key = element->getTag().getXTag();
        const std::string path = prefix + path_step(key);
        if (is_illegal_group(key.getGroup())) {
            delete item.remove(element);
            dropped.push_back(path);
        } else if (element->ident() == EVR_SQ) {
            auto* sequence = static_cast<DcmSequenceOfItems*>(element);
            for (unsigned long index = 0; index < sequence->card(); ++index) {
                drop_illegal_in(*sequence->getItem(index), path + "__" + std::to_string(index) + "__", dropped);
            }
        }
    }
}

bool has_part10_marker(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::array<char, 132> head{};
    stream.read(head.data(), head.size());
    return stream.gcount() == 132 && std::string_view(head.data() + 128, 4) == "DICM";
}

}  // namespace

std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path) {
    auto file = std::make_unique<DcmFileFormat>();
    const OFCondition status = file->loadFile(path.c_str());
    if (status.good()) {
        return file;
    }
    if (has_part10_marker(path)) {
        return LoadError{std::string("broken DICOM file: ") + status.text(), true};
    }
    // A dataset without meta header, which DCMTK's detection can miss.
    for (const E_TransferSyntax syntax : {EXS_LittleEndianExplicit, EXS_LittleEndianImplicit, EXS_BigEndianExplicit}) {
        file = std::make_unique<DcmFileFormat>();
        if (file->loadFile(path.c_str(), syntax, EGL_noChange, DCM_MaxReadLength, ERM_dataset).good() &&
            file->getDataset()->tagExistsWithValue(DCM_SOPClassUID)) {
            return file;
        }
    }
    return LoadError{"not a DICOM file (or one too broken to recognise)", false};
}

std::vector<std::string> drop_illegal_group_elements(DcmFileFormat& file) {
    std::vector<std::string> dropped;
    drop_illegal_in(*file.getDataset(), "", dropped);
    return dropped;
}

std::string illegal_group_warning(const std::string& path) {
    // The path ends in the element's own step, "(GGGG,EEEE)".
    const std::string group = path.size() >= 10 ? path.substr(path.size() - 10, 4) : path;
    return path + ": dropped: group " + group + " is illegal in DICOM, so the element cannot be written, and it "
                                                "may hold anything";
}

bool is_media_directory(DcmFileFormat& file) {
    OFString sop_class;
    file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
    return sop_class == UID_MediaStorageDirectoryStorage;
}

bool has_sop_class_uid(DcmFileFormat& file) { return file.getDataset()->tagExistsWithValue(DCM_SOPClassUID); }

bool has_sop_instance_uid(DcmFileFormat& file) { return file.getDataset()->tagExistsWithValue(DCM_SOPInstanceUID); }

std::vector<std::string> drop_orphaned_meta_uids(DcmFileFormat& file, bool had_class, bool had_instance) {
    std::vector<std::string> dropped;
    if (had_class && !has_sop_class_uid(file)) {
        file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID, "");
        dropped.emplace_back("SOPClassUID");
    }
    if (had_instance && !has_sop_instance_uid(file)) {
        file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, "");
        dropped.emplace_back("SOPInstanceUID");
    }
    return dropped;
}

std::string save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target) {
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    if (error) {
        return "cannot create folder " + target.parent_path().string() + ": " + error.message();
    }
    const std::filesystem::path temporary = target.parent_path() / ("." + target.filename().string() + ".deid-partial");
    E_TransferSyntax syntax = file.getDataset()->getOriginalXfer();
    if (syntax == EXS_Unknown) {
        syntax = EXS_LittleEndianExplicit;
    }
    update_meta_header(file, syntax);
    const OFCondition status = file.saveFile(temporary.c_str(), syntax, EET_ExplicitLength, EGL_recalcGL,
                                             EPD_noChange, 0, 0, EWM_dontUpdateMeta);
    if (status.bad()) {
        std::filesystem::remove(temporary, error);
        return std::string("cannot write DICOM: ") + status.text();
    }
    std::filesystem::rename(temporary, target, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        return "cannot move the output into place: " + error.message();
    }
    return "";
}

}  // namespace deid
