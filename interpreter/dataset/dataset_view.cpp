#include "interpreter/dataset/dataset_view.hpp"

namespace deid {

// Called for every element of every file, so no printf.
std::string tag_path_step(std::uint16_t group, std::uint16_t element) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string step = "(0000,0000)";
    for (int digit = 0; digit < 4; ++digit) {
        const int shift = 12 - 4 * digit;
        step[1 + digit] = kHex[(group >> shift) & 0xFU];
        step[6 + digit] = kHex[(element >> shift) & 0xFU];
    }
    return step;
}

}  // namespace deid
