#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "interpreter/dictionary/element_dictionary.hpp"
#include "runtime/io/file_system.hpp"

namespace deid {

struct ImportCtpOptions {
    std::vector<std::filesystem::path> scripts;  // CTP anonymizer, pixel anonymizer and filter scripts
    std::filesystem::path output;                // the recipe written
    std::optional<std::filesystem::path> lua;    // hooks for what the language cannot say
    bool keyed = false;                          // --ctp-keyed
    bool overwrite = false;                      // replace an existing output
    FileSystem* file_system = nullptr;           // default: the disk
};

// `deid import-ctp`: compiles the CTP scripts as `put --ctp` runs them and
// writes the same rules as one recipe, each action and LABEL under a comment
// naming the CTP line it came from. The recipe is read back before it is
// written and must compile into the same rules. Returns 0 when written, 2
// when a script has errors (nothing is written).
int run_import_ctp(const ImportCtpOptions& options, const ElementDictionary& dictionary, std::ostream& out,
                   std::ostream& err);

}  // namespace deid
