#pragma once

#include <cstddef>
#include <cstdint>

namespace deid {

// What each call into a Lua state may spend: a func: call, or a script's
// top-level chunk while the scripts load.
struct LuaLimits {
    std::size_t memory_bytes = 64U << 20U;    // the state's memory, in all
    std::uint64_t instructions = 10'000'000;  // Lua instructions, and steps of the sandbox's C functions
    double seconds = 5.0;                     // wall-clock time
};

}  // namespace deid
