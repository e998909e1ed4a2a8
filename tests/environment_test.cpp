// Test-wide setup: DCMTK's own log lines ("W: DcmItem: Length of element
// ... is odd") are silenced as the deid binary silences them, so that a
// failing test's output shows what deid reported.

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

namespace {

[[maybe_unused]] const bool kDcmtkQuiet = [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    return true;
}();

}  // namespace
