#pragma once

namespace deid {

// The exit status of every command, one table (README, `deid help`):
// scripts and CI tell outcomes apart by it. Where several hold, the lower
// number wins, except that verify's findings win over its failures.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFileFailed = 1;   // some file failed (the others were done); lint: errors
inline constexpr int kExitRecipeError = 2;  // usage or recipe error: nothing was done
inline constexpr int kExitSetAside = 3;     // files quarantined or skipped as flagged; inspect --fail-on matched
inline constexpr int kExitFindings = 4;     // verify found identifying values in the outputs

}  // namespace deid
