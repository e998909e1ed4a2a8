#pragma once

#include <span>
#include <string_view>

namespace deid {

// The recipes shipped in recipes/, compiled into the binary so that the
// default recipe is found wherever deid is installed.
struct BundledRecipe {
    std::string_view name;  // e.g. "deid.dicom"
    std::string_view text;
};

std::span<const BundledRecipe> bundled_recipes();
const BundledRecipe* find_bundled_recipe(std::string_view name);

// How diagnostics name a bundled recipe: "<bundled>/deid.dicom".
inline constexpr std::string_view kBundledPrefix = "<bundled>/";

}  // namespace deid
