#include "runtime/io/inputs.hpp"

#include <algorithm>

namespace deid {

std::vector<InputFile> expand_inputs(const std::vector<std::filesystem::path>& inputs) {
    std::vector<InputFile> files;
    for (const auto& input : inputs) {
        if (std::filesystem::is_directory(input)) {
            std::vector<InputFile> found;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(input)) {
                if (entry.is_regular_file()) {
                    found.push_back({entry.path(), std::filesystem::relative(entry.path(), input)});
                }
            }
            std::sort(found.begin(), found.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
            files.insert(files.end(), found.begin(), found.end());
        } else {
            files.push_back({input, input.filename()});
        }
    }
    return files;
}

}  // namespace deid
