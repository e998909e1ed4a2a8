#include "runtime/io/inputs.hpp"

#include <algorithm>
#include <system_error>
#include <utility>

namespace deid {

InputWalk::InputWalk(std::vector<std::filesystem::path> inputs, Filter keep)
    : inputs_(std::move(inputs)), keep_(std::move(keep)) {}

void InputWalk::enter(const std::filesystem::path& folder, const std::filesystem::path& root) {
    std::error_code error;
    std::vector<std::filesystem::path> entries;
    for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
        entries.push_back(it->path());
    }
    if (error) {
        unlisted_ = InputFile{folder, folder.lexically_relative(root), "cannot list the folder: " + error.message(), {}};
        return;
    }
    std::sort(entries.rbegin(), entries.rend());
    open_.push_back({root, std::move(entries)});
}

std::optional<InputFile> InputWalk::next_unfiltered() {
    while (true) {
        if (unlisted_) {
            return std::exchange(unlisted_, std::nullopt);
        }
        if (open_.empty()) {
            if (next_input_ == inputs_.size()) {
                return std::nullopt;
            }
            const auto& input = inputs_[next_input_++];
            std::error_code error;
            if (std::filesystem::is_directory(input, error)) {
                enter(input, input);
                continue;
            }
            return InputFile{input, input.filename(), {}, {}};
        }
        Folder& folder = open_.back();
        if (folder.rest.empty()) {
            open_.pop_back();
            continue;
        }
        const std::filesystem::path entry = std::move(folder.rest.back());
        folder.rest.pop_back();
        std::error_code error;
        const auto status = std::filesystem::symlink_status(entry, error);
        if (std::filesystem::is_directory(status)) {
            const auto root = folder.root;  // `folder` may move when a level is added
            enter(entry, root);
        } else if (std::filesystem::is_regular_file(entry, error)) {  // files, and links to files
            return InputFile{entry, entry.lexically_relative(folder.root), {}, {}};
        } else if (std::filesystem::is_symlink(status) && std::filesystem::is_directory(entry, error)) {
            return InputFile{entry, entry.lexically_relative(folder.root), {},
                             "a symbolic link to a folder is not followed (give its target as an input to "
                             "include it)"};
        }
        // Sockets, devices, dangling links and the like are no inputs.
    }
}

std::optional<InputFile> InputWalk::next() {
    while (auto input = next_unfiltered()) {
        if (!keep_ || keep_(*input)) {
            return input;
        }
    }
    return std::nullopt;
}

std::size_t count_inputs(const std::vector<std::filesystem::path>& inputs, const InputWalk::Filter& keep) {
    InputWalk walk(inputs, keep);
    std::size_t count = 0;
    while (walk.next()) {
        ++count;
    }
    return count;
}

}  // namespace deid
