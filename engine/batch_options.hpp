#pragma once

#include <filesystem>
#include <vector>

#include "engine/progress.hpp"

namespace deid {

// What every command that runs recipes over files (get, put, inspect,
// clean) takes; each command's options add their own.
struct BatchOptions {
    std::vector<std::filesystem::path> inputs;   // files and folders (recursive)
    std::vector<std::filesystem::path> recipes;  // combined in order
    bool with_default_recipe = false;            // the bundled deid.dicom first
    // RSNA CTP scripts given with --ctp (also listed in `recipes`, where
    // they run), and --ctp-keyed.
    std::vector<std::filesystem::path> ctp_scripts;
    bool ctp_keyed = false;
    bool force = false;                          // run despite recipe errors
    unsigned jobs = 0;                           // worker threads; 0: one per core
    ProgressStyle progress = ProgressStyle::lines;
};

}  // namespace deid
