#include "runtime/lua/call_limits.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

namespace deid {

namespace {

constexpr int kHookEvery = 1000;                  // instructions between two runs of the count hook
constexpr std::uint64_t kClockEvery = 1U << 16U;  // steps of sandbox C functions between two clock reads

// The error a stopped call raises: no message, because making one needs
// memory the stopped call no longer gets; end() says what happened.
char stop_marker;

}  // namespace

void* CallLimits::allocate(void* self, void* block, std::size_t old_size, std::size_t new_size) {
    auto& limits = *static_cast<CallLimits*>(self);
    const std::size_t old_bytes = block != nullptr ? old_size : 0;
    if (new_size == 0) {
        limits.memory_used_ -= old_bytes;
        std::free(block);
        return nullptr;
    }
    if (new_size > old_bytes) {
        // Refusing makes Lua raise its memory error: at once, or after a
        // full collection that may free enough for a second try.
        if (limits.stop_ != LuaStop::none || limits.alarm_.rang()) {
            return nullptr;  // the call is over
        }
        if (limits.memory_used_ + (new_size - old_bytes) > limits.limits_.memory_bytes) {
            limits.refused_ = {block, new_size};
            return nullptr;
        }
    }
    void* resized = std::realloc(block, new_size);
    if (resized != nullptr) {
        limits.memory_used_ = limits.memory_used_ - old_bytes + new_size;
        if (limits.refused_.size == new_size && limits.refused_.block == block) {
            limits.refused_ = {};  // the second try after a collection: no memory error
        }
    }
    return resized;
}

void CallLimits::begin(lua_State* lua) {
    instructions_used_ = 0;
    next_clock_check_ = kClockEvery;
    stop_ = LuaStop::none;
    refused_ = {};
    position_.clear();
    const auto allowed = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::min(limits_.seconds, 1e9)));
    deadline_ = std::chrono::steady_clock::now() + allowed;
    lua_sethook(lua, count_hook, LUA_MASKCOUNT, kHookEvery);
    alarm_.arm(lua, count_hook, limits_.seconds);
}

CallLimits::Ending CallLimits::end(int status) {
    if (status != LUA_OK) {
        must_end(status);
    }
    alarm_.disarm();
    Ending ending;
    ending.stop = stop_;
    ending.position = position_;
    std::array<char, 96> text{};
    switch (stop_) {
        case LuaStop::none: break;
        case LuaStop::instructions:
            std::snprintf(text.data(), text.size(), "instruction budget of %llu exceeded (a loop that never ends?)",
                          static_cast<unsigned long long>(limits_.instructions));
            break;
        case LuaStop::time: std::snprintf(text.data(), text.size(), "time limit of %g s exceeded", limits_.seconds); break;
        case LuaStop::memory:
            std::snprintf(text.data(), text.size(), "not enough memory: the Lua memory limit of %zu MiB was reached",
                          limits_.memory_bytes >> 20U);
            break;
    }
    ending.description = text.data();
    // Between calls the state belongs to C again: it may allocate.
    stop_ = LuaStop::none;
    return ending;
}

bool CallLimits::spend(std::uint64_t steps) {
    if (stop_ != LuaStop::none) {
        return false;
    }
    instructions_used_ += steps;
    if (instructions_used_ > limits_.instructions) {
        stop(LuaStop::instructions);
        return false;
    }
    if (alarm_.rang()) {
        stop(LuaStop::time);
        return false;
    }
    if (instructions_used_ >= next_clock_check_) {
        next_clock_check_ = instructions_used_ + kClockEvery;
        if (out_of_time()) {
            stop(LuaStop::time);
            return false;
        }
    }
    return true;
}

bool CallLimits::must_end(int status) {
    if (stop_ == LuaStop::none) {
        // Out of time first: then the allocator refuses everything, and
        // the memory error that follows is no more than a symptom.
        if (alarm_.rang() || out_of_time()) {
            stop(LuaStop::time);
        } else if (status == LUA_ERRMEM || refused_.size != 0) {
            stop(LuaStop::memory);
        }
    }
    return stop_ != LuaStop::none;
}

void CallLimits::raise_stop(lua_State* lua) {
    CallLimits& limits = of(lua);
    // The nearest Lua function on the stack: the script line that called
    // the sandbox function (perhaps through pcall).
    lua_Debug where{};
    for (int level = 1; lua_getstack(lua, level, &where) != 0; ++level) {
        lua_getinfo(lua, "Sl", &where);
        if (where.currentline > 0) {
            limits.locate(where);
            break;
        }
    }
    lua_sethook(lua, count_hook, LUA_MASKCOUNT, 1);
    lua_pushlightuserdata(lua, &stop_marker);
    lua_error(lua);
    std::abort();  // lua_error does not return
}

void CallLimits::count_hook(lua_State* lua, lua_Debug* where) {
    CallLimits& limits = of(lua);
    if (limits.stop_ == LuaStop::none) {
        limits.instructions_used_ += kHookEvery;
        if (limits.instructions_used_ > limits.limits_.instructions) {
            limits.stop(LuaStop::instructions);
        } else if (limits.alarm_.rang() || limits.out_of_time()) {
            limits.stop(LuaStop::time);
        } else {
            return;
        }
        lua_getinfo(lua, "Sl", where);
        limits.locate(*where);
    }
    // Stopped: raise at every instruction until the call is back in C.
    lua_sethook(lua, count_hook, LUA_MASKCOUNT, 1);
    lua_pushlightuserdata(lua, &stop_marker);
    lua_error(lua);
}

void CallLimits::stop(LuaStop reason) {
    if (stop_ == LuaStop::none) {
        stop_ = reason;
    }
}

void CallLimits::locate(const lua_Debug& where) {
    if (position_.empty() && where.currentline > 0) {
        position_ = std::string(where.short_src) + ":" + std::to_string(where.currentline);
    }
}

bool CallLimits::out_of_time() const { return std::chrono::steady_clock::now() >= deadline_; }

}  // namespace deid
