#include "interpreter/dataset/dataset_view.hpp"

#include <string_view>

namespace deid {

// Called for every element of every file, so no printf.
std::string tag_path_step(std::uint16_t group, std::uint16_t element) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string step = "(0000,0000)";
    for (std::size_t i = 0; i < 4; ++i) {
        const unsigned shift = 12U - 4U * static_cast<unsigned>(i);
        step[1 + i] = kHex[(group >> shift) & 0xFU];
        step[6 + i] = kHex[(element >> shift) & 0xFU];
    }
    return step;
}

WriteResult DatasetView::append_coded_items(std::uint16_t, std::uint16_t, const std::vector<CodedItem>&, bool) {
    return WriteResult::unsupported;
}

}  // namespace deid
