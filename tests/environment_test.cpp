// Test-wide setup: DCMTK's own log lines ("W: DcmItem: Length of element
// ... is odd") are silenced as the deid binary silences them, so that a
// failing test's output shows what deid reported. The per-user pseudonym key
// that profile runs create on first use goes to a folder of this test
// process, never into the home folder of whoever runs the suite.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

namespace {

[[maybe_unused]] const bool kDcmtkQuiet = [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    return true;
}();

[[maybe_unused]] const bool kOwnKeyFolder = [] {
    const auto folder =
        std::filesystem::temp_directory_path() / "deid-tests" / std::to_string(::getpid()) / "xdg-data-home";
    std::filesystem::create_directories(folder);
    ::setenv("XDG_DATA_HOME", folder.c_str(), 1);
    return true;
}();

}  // namespace
