#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "engine/batch_options.hpp"
#include "runtime/io/file_system.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid {

// Without recipes, the bundled default screens.
struct CleanOptions : BatchOptions {
    bool overwrite = false;
    bool skip_flagged = false;  // flagged files without regions: skip instead of quarantine
    // --png DIR: a before | after preview of each cleaned file, regions
    // outlined, at DIR/RELATIVE.png. Its left half shows the original
    // burned-in text, so DIR may not be inside OUTDIR (or among the inputs).
    std::optional<std::filesystem::path> png_folder;
    std::filesystem::path output;
    bool sync = true;                   // fsync every output before it gets its final name
    FileSystem* file_system = nullptr;  // where outputs go; tests inject failures (default: the disk)
};

// `deid clean`: blacks out the regions of the LABELs each file matches and
// writes it under OUTDIR (unflagged files are written unchanged). A file
// flagged by LABELs without any region is never passed silently: it goes to
// OUTDIR/quarantine/ (or is skipped with --skip-flagged) and is listed.
int run_clean(const CleanOptions& options, const ElementDictionary& dictionary, std::ostream& out, std::ostream& err);

}  // namespace deid
