#pragma once

#include <cstddef>

namespace deid {

// How many files this process may have open at once: its soft
// RLIMIT_NOFILE (`ulimit -n`), or a large number when it has none.
std::size_t open_file_limit();

}  // namespace deid
