#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "interpreter/eval/user_functions.hpp"

struct lua_State;

namespace deid {

struct LuaLimits {
    std::size_t memory_bytes = 64U << 20U;      // per Lua state
    std::uint64_t instructions = 10'000'000;  // per call (and for loading the scripts)
};

// A script that does not load or run: "hooks.lua:3: message".
struct LuaLoadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The user's Lua scripts in a sandbox: base (without dofile, loadfile,
// collectgarbage; load takes text only), string, table, math, utf8 and the
// `deid` library; no io, os, package or debug. Memory is capped by the
// allocator and every call has an instruction budget, so no script can
// exhaust the machine or hang a batch. One state per worker thread.
class LuaHooks final : public UserFunctions {
public:
    // Loads every script in order. `data_files` are the only files deid.csv
    // may open. Throws LuaLoadError.
    LuaHooks(const std::vector<std::filesystem::path>& scripts, const std::vector<std::filesystem::path>& data_files,
             LuaLimits limits, std::ostream& log);
    ~LuaHooks() override;
    LuaHooks(const LuaHooks&) = delete;
    LuaHooks& operator=(const LuaHooks&) = delete;

    [[nodiscard]] bool defines(std::string_view function) const override;
    [[nodiscard]] std::set<std::string> defined_functions() const;
    UserFunctionResult call(const UserFunctionCall& call) override;

    // What the C callbacks reach through the state's extra space.
    struct Context;

private:
    std::unique_ptr<Context> context_;
    lua_State* lua_ = nullptr;
};

}  // namespace deid
