#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "interpreter/eval/filters.hpp"

class DcmDataset;

namespace deid {

// Writes a PNG of the first frame before and after cleaning, side by side,
// with the cleaned regions outlined (red: blanked, green: kept), because
// people check cleaning by looking. Returns an error text or "".
std::string write_clean_preview(DcmDataset& before, DcmDataset& after, const std::vector<FilterMatch>& matches,
                                const std::filesystem::path& png);

}  // namespace deid
