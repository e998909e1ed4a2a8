#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace deid {

// A mapping read from a CSV file (RFC 4180 quoting): with column names, the
// first row is the header and those two columns are key and value; without,
// the first two columns of every row are. Empty keys are skipped. On failure
// `problem` says why and the map is empty.
std::map<std::string, std::string> read_mapping_csv(const std::filesystem::path& path, const std::string& key_column,
                                                    const std::string& value_column, std::string& problem);

}  // namespace deid
