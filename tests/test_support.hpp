#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "grammar/parser.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

namespace deid::testing {

inline const std::filesystem::path kSourceDir = DEID_SOURCE_DIR;
inline const std::filesystem::path kSharedDir = DEID_SHARED_DIR;

// The sample files tests use most.
inline const std::filesystem::path kDicomData = kSharedDir / "data" / "dicom";
inline const std::filesystem::path kCtBrain1 = kDicomData / "deid-data" / "humans" / "ctbrain1.dcm";
inline const std::filesystem::path kCtSmall = kDicomData / "pydicom-test-files" / "CT_small.dcm";

// A folder of the running test's own, emptied the first time the test asks
// for it: ctest -j runs tests as parallel processes, and two runs of the
// suite may overlap, so no two tests may share scratch paths.
inline std::filesystem::path scratch_dir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->test_suite_name()) + "." + test->name();
    std::replace(name.begin(), name.end(), '/', '_');
    const auto folder = std::filesystem::temp_directory_path() / "deid-tests" / std::to_string(::getpid()) / name;
    static std::set<std::filesystem::path> prepared;
    if (prepared.insert(folder).second) {
        std::filesystem::remove_all(folder);
        std::filesystem::create_directories(folder);
    }
    return folder;
}

// An emptied sub-folder of the test's scratch folder, for a test that runs
// a command several times, each on its own folder.
inline std::filesystem::path fresh_subdir(const std::string& name) {
    const auto folder = scratch_dir() / name;
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    return folder;
}

// Writes `text` to `path` and returns the path.
inline std::filesystem::path write_text(const std::filesystem::path& path, std::string_view text) {
    std::ofstream(path) << text;
    return path;
}

// A pseudonym key file (64 hex digits, mode 0600) of 32 bytes `fill`,
// fill+1, ...: tests name their keys, so their pseudonyms are known.
inline std::filesystem::path write_key(const std::filesystem::path& path, unsigned char fill) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (int i = 0; i < 32; ++i) {
        const auto byte = static_cast<unsigned char>(fill + i);
        text += kHex[byte >> 4U];
        text += kHex[byte & 0x0FU];
    }
    std::ofstream(path) << text << '\n';
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
}

// The raw bytes of write_key's key.
inline std::string key_bytes(unsigned char fill) {
    std::string bytes;
    for (int i = 0; i < 32; ++i) {
        bytes += static_cast<char>(static_cast<unsigned char>(fill + i));
    }
    return bytes;
}

// A file's bytes.
inline std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << stream.rdbuf();
    return bytes.str();
}

// Every file under `folder`, by its path relative to the folder, with its bytes.
inline std::map<std::string, std::string> folder_contents(const std::filesystem::path& folder) {
    std::map<std::string, std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        if (entry.is_regular_file()) {
            files[std::filesystem::relative(entry.path(), folder).generic_string()] = read_bytes(entry.path());
        }
    }
    return files;
}

// A DICOM file as DCMTK reads it (a failure is a test failure naming it).
inline std::unique_ptr<DcmFileFormat> load_file(const std::filesystem::path& path) {
    auto file = std::make_unique<DcmFileFormat>();
    EXPECT_TRUE(file->loadFile(path.c_str()).good()) << path;
    return file;
}

// Every file under `folder` whose name is not a temporary one
// (`.NAME.deid-partial`), sorted; none when the folder does not exist.
inline std::vector<std::filesystem::path> final_names(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(folder)) {
        return files;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        if (entry.is_regular_file() && !entry.path().filename().string().ends_with(".deid-partial")) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// What a command returned and printed.
struct CommandRun {
    int status = 0;
    std::string out;
    std::string err;
};

// Runs one of the commands (run_put, run_get, ...) as the CLI does, with the
// standard dictionary, and keeps what it printed.
template <typename Command, typename Options>
CommandRun run_command(Command command, const Options& options) {
    std::ostringstream out;
    std::ostringstream err;
    const int status = command(options, standard_dictionary(), out, err);
    return {status, out.str(), err.str()};
}

// "line:col: severity: message" for each diagnostic, in order found; the
// file name is left out so expectations stay short.
inline std::vector<std::string> located(const Diagnostics& diagnostics) {
    std::vector<std::string> out;
    for (const auto& d : diagnostics.all()) {
        out.push_back(std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                      std::string(to_string(d.severity)) + ": " + d.message);
    }
    return out;
}

struct Parsed {
    ast::Recipe recipe;
    Diagnostics diagnostics;
};

inline Parsed parse(std::string_view text) {
    Parsed parsed;
    parsed.recipe = grammar::parse_recipe(text, "test.deid", parsed.diagnostics);
    return parsed;
}

}  // namespace deid::testing
