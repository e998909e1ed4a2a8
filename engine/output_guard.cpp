#include "engine/output_guard.hpp"

#include <algorithm>
#include <functional>
#include <system_error>
#include <unordered_map>

namespace deid {
namespace {

// The path with symbolic links and `..` resolved, as far as it exists.
std::filesystem::path resolved(const std::filesystem::path& path) {
    std::error_code error;
    auto absolute = std::filesystem::absolute(path, error);
    auto real = std::filesystem::weakly_canonical(error ? path : absolute, error);
    return error ? absolute.lexically_normal() : real;
}

// Whether `inner` is `outer` or lies under it (both resolved).
bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    const auto [outer_end, inner_end] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return outer_end == outer.end();
}

}  // namespace

OutputGuard::OutputGuard(std::vector<std::filesystem::path> inputs, std::filesystem::path output, FileSystem& files)
    : inputs_(std::move(inputs)), output_(std::move(output)), output_real_(resolved(output_)), files_(files) {
    for (const auto& input : inputs_) {
        std::error_code error;
        (std::filesystem::is_directory(input, error) ? input_folders_ : input_files_).push_back(resolved(input));
    }
}

std::optional<std::string> OutputGuard::refusal() const {
    const std::string out = output_.string();
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
        std::error_code error;
        const auto real = resolved(inputs_[i]);
        const std::string input = inputs_[i].string();
        if (std::filesystem::is_directory(inputs_[i], error)) {
            if (real == output_real_) {
                return "the output folder " + out + " is the input folder " + input + "; deid never writes into its input";
            }
            if (is_within(output_real_, real)) {
                return "the output folder " + out + " is inside the input folder " + input +
                       "; deid never writes into its input";
            }
            if (is_within(real, output_real_)) {
                return "the output folder " + out + " holds the input folder " + input +
                       ": outputs would be written among the inputs; choose a folder outside it";
            }
        } else if (real.parent_path() == output_real_) {
            return "the output folder " + out + " holds the input file " + input +
                   ": its output would take the input's place; deid never replaces an input";
        }
    }
    return std::nullopt;
}

std::optional<OutputGuard::Collision> OutputGuard::colliding_inputs(const InputWalk::Filter& keep) const {
    // One folder, or one file, cannot map two files to one path.
    if (inputs_.size() < 2) {
        return std::nullopt;
    }
    // Hashes first (8 bytes a file); only a repeated hash is looked at again.
    std::unordered_map<std::size_t, std::size_t> first_seen;  // hash -> ordinal of the first file
    std::vector<std::pair<std::size_t, std::size_t>> suspects;  // (first ordinal, second ordinal)
    InputWalk walk(inputs_, keep);
    std::size_t ordinal = 0;
    while (auto input = walk.next()) {
        const std::size_t hash = std::hash<std::string>{}(input->relative.lexically_normal().generic_string());
        const auto [found, inserted] = first_seen.try_emplace(hash, ordinal);
        if (!inserted) {
            suspects.emplace_back(found->second, ordinal);
        }
        ++ordinal;
    }
    for (const auto& [first_ordinal, second_ordinal] : suspects) {
        InputWalk again(inputs_, keep);
        std::optional<InputFile> first;
        for (std::size_t at = 0; auto input = again.next(); ++at) {
            if (at == first_ordinal) {
                first = input;
            } else if (at == second_ordinal) {
                if (first && first->relative.lexically_normal() == input->relative.lexically_normal()) {
                    return Collision{first->path, input->path, output_ / input->relative};
                }
                break;
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> OutputGuard::check_target(const InputFile& input,
                                                     const std::filesystem::path& target) const {
    const auto folder = resolved(target.parent_path());
    if (!is_within(folder, output_real_)) {
        return "its output " + target.string() + " would leave the output folder through a symbolic link (to " +
               folder.string() + ")";
    }
    for (const auto& input_folder : input_folders_) {
        if (is_within(folder, input_folder)) {
            return "its output " + target.string() + " would be written into the input folder " +
                   input_folder.string() + "; deid never writes into its input";
        }
    }
    const auto real_target = folder / target.filename();
    for (const auto& input_file : input_files_) {
        if (real_target == input_file) {
            return "its output " + target.string() + " is the input file " + input_file.string() +
                   "; deid never replaces an input";
        }
    }
    const auto existing = files_.identity(target);
    if (existing && existing == files_.identity(input.path)) {
        return "its output " + target.string() +
               " is the input file itself (a hard or symbolic link to it); deid never replaces an input";
    }
    return std::nullopt;
}

std::optional<std::string> OutputGuard::check_side_file(const std::filesystem::path& file,
                                                        std::string_view what) const {
    const auto real = resolved(file);
    if (is_within(real, output_real_)) {
        return std::string(what) + " " + file.string() + " is inside the output folder " + output_.string() +
               ": it holds identifying data and must be kept apart from the de-identified files";
    }
    for (const auto& input_folder : input_folders_) {
        if (is_within(real, input_folder)) {
            return std::string(what) + " " + file.string() + " is inside the input folder " + input_folder.string() +
                   "; deid never writes into its input";
        }
    }
    return std::nullopt;
}

bool OutputGuard::claim(const std::filesystem::path& target) {
    const std::size_t hash = std::hash<std::string>{}(target.lexically_normal().string());
    const std::lock_guard guard(lock_);
    return claimed_.insert(hash).second;
}

std::string describe(const OutputGuard::Collision& collision) {
    return "the inputs " + collision.first.string() + " and " + collision.second.string() +
           " would both be written to " + collision.output.string() +
           "; give them in separate runs with separate output folders";
}

}  // namespace deid
