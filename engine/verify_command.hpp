#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "engine/exit_status.hpp"
#include "engine/profiles.hpp"
#include "engine/progress.hpp"

namespace deid {

enum class VerifyFormat { text, json };

struct VerifyOptions {
    // The originals (files and folders, as given to `put`); or, alone, the
    // output folder to check without them.
    std::vector<std::filesystem::path> inputs;
    std::optional<std::filesystem::path> output;  // OUTDIR: outputs paired by relative path
    std::optional<std::filesystem::path> report;  // `put --report`: its input/output pairs
    std::optional<std::filesystem::path> mapping;  // `put --mapping`: the crosswalk's input/output pairs
    // The profile the outputs should meet; without it, the one each output
    // records in DeidentificationMethodCodeSequence (basic when none).
    std::optional<Profile> profile;
    VerifyFormat format = VerifyFormat::text;
    unsigned jobs = 0;  // 0: one per core
    ProgressStyle progress = ProgressStyle::lines;
};

// `deid verify`: finds identity that survived de-identification, whoever
// made the outputs.
// - With originals (`--output OUTDIR`, `--report` or `--mapping`): every
//   identifying value of each input (engine/identity.hpp) is searched for in
//   every element of its output, at any depth, private and file meta
//   included, and in the output's path (below OUTDIR when given): a layout
//   that names an original value puts it in the tree.
// - Alone (one folder): what must not be there after the profile: private
//   elements, non-empty elements the profile removes or empties, and
//   PatientIdentityRemoved other than YES.
// Prints each finding (text or JSON) and a summary. Returns kExitFindings
// when anything was found, else 1 when some file could not be read, else 0;
// 2 for a usage error.
int run_verify(const VerifyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace deid
