#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <lua.hpp>

#include "runtime/lua/call_alarm.hpp"
#include "runtime/lua/lua_limits.hpp"

namespace deid {

// Why a call was stopped; the first reason stays.
enum class LuaStop { none, instructions, memory, time };

// What one call into a Lua state (a function, or a script's top-level
// chunk) may spend: instructions (counted by a hook, and by the sandbox's
// own C functions for their steps), memory (counted by the allocator) and
// time. Once a limit is passed the call must not go on: the hook raises at
// every instruction and the allocator refuses every new byte until control
// is back in C, and the sandbox's pcall and xpcall pass the error on, so no
// script can catch it.
class CallLimits {
public:
    explicit CallLimits(const LuaLimits& limits) : limits_(limits) {}

    [[nodiscard]] const LuaLimits& limits() const { return limits_; }

    // The state's lua_Alloc; `self` is this object.
    static void* allocate(void* self, void* block, std::size_t old_size, std::size_t new_size);

    // Around every protected call into `lua`: a full budget, a new deadline.
    void begin(lua_State* lua);
    struct Ending {
        LuaStop stop = LuaStop::none;
        std::string position;     // "hooks.lua:7", where the limit was noticed; empty for memory
        std::string description;  // "time limit of 2 s exceeded"
    };
    // After the call; `status` is what lua_pcall returned.
    Ending end(int status);

    // Work a sandbox C function did where the hook cannot see it; false
    // once the call must end.
    bool spend(std::uint64_t steps);
    // Whether the call must end, after a pcall caught an error with
    // `status`: a memory error ends it as if it had not been caught.
    bool must_end(int status);

    // Raises the stop's error in a sandbox C function, positioned at the
    // Lua code that called it.
    [[noreturn]] static void raise_stop(lua_State* lua);

    // The limits of the state, through its extra space.
    static CallLimits& of(lua_State* lua) { return **static_cast<CallLimits**>(lua_getextraspace(lua)); }
    static void attach(lua_State* lua, CallLimits& limits) {
        *static_cast<CallLimits**>(lua_getextraspace(lua)) = &limits;
    }

private:
    static void count_hook(lua_State* lua, lua_Debug* where);
    void stop(LuaStop reason);
    void locate(const lua_Debug& where);
    [[nodiscard]] bool out_of_time() const;

    LuaLimits limits_;
    std::size_t memory_used_ = 0;
    std::uint64_t instructions_used_ = 0;
    std::uint64_t next_clock_check_ = 0;
    std::chrono::steady_clock::time_point deadline_;
    LuaStop stop_ = LuaStop::none;
    std::string position_;
    // The last request refused at the cap, until a second try of it
    // succeeds; an error after it is a memory error, whatever its status
    // (Lua raises some as runtime errors).
    struct Request {
        void* block = nullptr;
        std::size_t size = 0;
    } refused_;
    CallAlarm alarm_;
};

}  // namespace deid
