#include "engine/input_loading.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "runtime/dicom/dicom_file.hpp"

namespace deid {

std::unique_ptr<DcmFileFormat> load_input(const InputFile& input, std::ostream& err, std::size_t& failed) {
    if (!input.problem.empty()) {
        err << input.path.string() << ": error: " << input.problem << '\n';
        ++failed;
        return nullptr;
    }
    if (!input.not_followed.empty()) {
        err << input.path.string() << ": skipped: " << input.not_followed << '\n';
        return nullptr;
    }
    auto loaded = load_dicom(input.path);
    if (auto* error = std::get_if<LoadError>(&loaded)) {
        err << input.path.string() << (error->is_failure() ? ": error: " : ": skipped: ") << error->reason << '\n';
        failed += error->is_failure() ? 1 : 0;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<DcmFileFormat>>(loaded));
}

}  // namespace deid
