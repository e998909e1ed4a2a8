#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "interpreter/eval/user_functions.hpp"
#include "runtime/lua/lua_limits.hpp"

struct lua_State;

namespace deid {

class CallLimits;

// A script that does not load or run: "hooks.lua:3: message".
struct LuaLoadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The user's Lua scripts in a sandbox (runtime/lua/sandbox_library.hpp):
// base, string, table, math, utf8 and the `deid` library; no io, os,
// package or debug. Every call, and each script's top-level chunk, runs
// under the limits (memory, instructions, time) and cannot outlive them
// (runtime/lua/call_limits.hpp), so no script can exhaust the machine or
// hang a batch. One state per worker thread.
class LuaHooks final : public UserFunctions {
public:
    // Loads every script in order. `data_files` are the only files deid.csv
    // may open. Throws LuaLoadError.
    // `pseudonym_key` (the run's, if it has one) keys deid.hash_uid,
    // deid.hash_id and deid.date_offset; scripts can never read it.
    LuaHooks(const std::vector<std::filesystem::path>& scripts, const std::vector<std::filesystem::path>& data_files,
             LuaLimits limits, std::ostream& log, std::string_view pseudonym_key = {});
    ~LuaHooks() override;
    LuaHooks(const LuaHooks&) = delete;
    LuaHooks& operator=(const LuaHooks&) = delete;

    [[nodiscard]] bool defines(std::string_view function) const override;
    [[nodiscard]] std::set<std::string> defined_functions() const;
    UserFunctionResult call(const UserFunctionCall& call) override;

    // What the deid library's functions reach (an upvalue of each).
    struct Context;

private:
    struct Run;
    // Runs `body(data)` protected and limited: the status, and why the limits stopped it.
    Run run_limited(int (*body)(lua_State*), void* data);

    std::unique_ptr<CallLimits> limits_;  // the allocator's: outlives the state
    std::unique_ptr<Context> context_;
    lua_State* lua_ = nullptr;
};

}  // namespace deid
