#include "runtime/lua/csv.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace deid {
namespace {

std::vector<std::vector<std::string>> parse_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            row.push_back(std::move(cell));
            cell.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            cell += c;
        }
    }
    if (!cell.empty() || !row.empty()) {
        row.push_back(std::move(cell));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::map<std::string, std::string> read_mapping_csv(const std::filesystem::path& path, const std::string& key_column,
                                                    const std::string& value_column, std::string& problem) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        problem = "cannot read " + path.string();
        return {};
    }
    std::ostringstream text;
    text << stream.rdbuf();
    auto rows = parse_rows(text.str());
    std::size_t key_index = 0;
    std::size_t value_index = 1;
    std::size_t first_row = 0;
    if (!key_column.empty()) {
        if (rows.empty()) {
            problem = path.string() + " is empty";
            return {};
        }
        const auto& header = rows.front();
        const auto key = std::find(header.begin(), header.end(), key_column);
        const auto value = std::find(header.begin(), header.end(), value_column);
        if (key == header.end() || value == header.end()) {
            problem = path.string() + " has no column '" + (key == header.end() ? key_column : value_column) + "'";
            return {};
        }
        key_index = static_cast<std::size_t>(key - header.begin());
        value_index = static_cast<std::size_t>(value - header.begin());
        first_row = 1;
    }
    std::map<std::string, std::string> mapping;
    for (std::size_t r = first_row; r < rows.size(); ++r) {
        const auto& row = rows[r];
        if (row.size() > std::max(key_index, value_index) && !row[key_index].empty()) {
            mapping[row[key_index]] = row[value_index];
        }
    }
    return mapping;
}

}  // namespace deid
