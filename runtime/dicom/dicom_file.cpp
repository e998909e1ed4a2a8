#include "runtime/dicom/dicom_file.hpp"

#include <system_error>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace deid {

std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path) {
    auto file = std::make_unique<DcmFileFormat>();
    const OFCondition status = file->loadFile(path.c_str());
    if (status.bad()) {
        return LoadError{std::string("not a readable DICOM file: ") + status.text()};
    }
    return file;
}

std::string save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target) {
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    if (error) {
        return "cannot create folder " + target.parent_path().string() + ": " + error.message();
    }
    const std::filesystem::path temporary = target.parent_path() / ("." + target.filename().string() + ".deid-partial");
    const E_TransferSyntax syntax = file.getDataset()->getOriginalXfer();
    const OFCondition status = file.saveFile(temporary.c_str(), syntax == EXS_Unknown ? EXS_LittleEndianExplicit : syntax,
                                             EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
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
