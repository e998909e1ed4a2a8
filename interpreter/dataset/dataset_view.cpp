#include "interpreter/dataset/dataset_view.hpp"

#include "support/strings.hpp"

namespace deid {

// Called for every element of every file, so no printf.
std::string tag_path_step(std::uint16_t group, std::uint16_t element) {
    return "(" + hex_digits(group, 4) + "," + hex_digits(element, 4) + ")";
}

WriteResult DatasetView::append_coded_items(std::uint16_t, std::uint16_t, const std::vector<CodedItem>&, bool) {
    return WriteResult::unsupported;
}

}  // namespace deid
