#pragma once

#include <filesystem>
#include <vector>

namespace deid {

struct InputFile {
    std::filesystem::path path;      // as found
    std::filesystem::path relative;  // where its output goes under OUTDIR
};

// Files given directly, and every regular file under folders (recursively,
// in sorted order). A folder's files keep their layout relative to it; a
// file given directly lands at the top of OUTDIR. Output paths come from the
// input's relative path only, never from header values.
std::vector<InputFile> expand_inputs(const std::vector<std::filesystem::path>& inputs);

}  // namespace deid
