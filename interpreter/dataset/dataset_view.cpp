#include "interpreter/dataset/dataset_view.hpp"

#include <array>
#include <cstdio>

namespace deid {

std::string tag_path_step(std::uint16_t group, std::uint16_t element) {
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "(%04X,%04X)", group, element);
    return buffer.data();
}

}  // namespace deid
