#pragma once

// Lua's own library and the sandbox's replacements, side by side: the same
// Lua code runs in a plain state (luaL_openlibs) and in one whose functions
// were replaced, and the tests compare what each returned, or raised.

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <lua.hpp>

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/sandbox_library.hpp"

namespace deid::testing {

class LuaSideBySide {
public:
    // `definitions` (Lua code defining the functions to call) runs in both.
    explicit LuaSideBySide(const std::string& definitions, const LuaLimits& limits = generous())
        : limits_(limits), real_(luaL_newstate()), ours_(lua_newstate(CallLimits::allocate, &limits_)) {
        luaL_openlibs(real_);
        CallLimits::attach(ours_, limits_);
        luaL_openlibs(ours_);
        replace_base_functions(ours_);
        replace_string_functions(ours_);
        replace_table_functions(ours_);
        for (lua_State* lua : {real_, ours_}) {
            if (luaL_loadbuffer(lua, definitions.data(), definitions.size(), "=probe") != LUA_OK ||
                lua_pcall(lua, 0, 0, 0) != LUA_OK) {
                ADD_FAILURE() << lua_tostring(lua, -1);
            }
        }
    }
    ~LuaSideBySide() {
        lua_close(real_);
        lua_close(ours_);
    }
    LuaSideBySide(const LuaSideBySide&) = delete;
    LuaSideBySide& operator=(const LuaSideBySide&) = delete;

    struct Results {
        std::string real;
        std::string ours;
    };

    // Calls the global `function` with string and integer arguments in
    // both states; each side's results (or "error: message"), as text.
    Results call(const char* function, const std::vector<std::string>& strings,
                 const std::vector<lua_Integer>& integers = {}) {
        Results results;
        results.real = call_in(real_, function, strings, integers);
        limits_.begin(ours_);
        results.ours = call_in(ours_, function, strings, integers);
        last_ending_ = limits_.end(LUA_OK);
        return results;
    }

    [[nodiscard]] const CallLimits::Ending& last_ending() const { return last_ending_; }

    static LuaLimits generous() {
        LuaLimits limits;
        limits.instructions = 1'000'000'000;
        limits.seconds = 60;
        return limits;
    }

private:
    static std::string call_in(lua_State* lua, const char* function, const std::vector<std::string>& strings,
                               const std::vector<lua_Integer>& integers) {
        lua_settop(lua, 0);
        lua_getglobal(lua, function);
        for (const auto& text : strings) {
            lua_pushlstring(lua, text.data(), text.size());
        }
        for (const lua_Integer number : integers) {
            lua_pushinteger(lua, number);
        }
        if (lua_pcall(lua, static_cast<int>(strings.size() + integers.size()), LUA_MULTRET, 0) != LUA_OK) {
            return "error: " + describe(lua, -1);
        }
        std::string text;
        for (int index = 1; index <= lua_gettop(lua); ++index) {
            text += describe(lua, index) + " ";
        }
        lua_settop(lua, 0);
        return text;
    }

    static std::string describe(lua_State* lua, int index) {
        index = lua_absindex(lua, index);
        switch (lua_type(lua, index)) {
            case LUA_TNIL: return "nil";
            case LUA_TBOOLEAN: return lua_toboolean(lua, index) != 0 ? "true" : "false";
            case LUA_TNUMBER: {
                char number[48];
                if (lua_isinteger(lua, index) != 0) {
                    std::snprintf(number, sizeof number, "%lld", static_cast<long long>(lua_tointeger(lua, index)));
                } else {
                    std::snprintf(number, sizeof number, "%.17g", lua_tonumber(lua, index));
                }
                return number;
            }
            case LUA_TSTRING: {
                std::size_t length = 0;
                const char* bytes = lua_tolstring(lua, index, &length);
                return "\"" + std::string(bytes, length) + "\"";
            }
            case LUA_TTABLE: {
                // An array, as far as its field n (table.pack) or its length says.
                lua_getfield(lua, index, "n");
                const lua_Integer count =
                    lua_isinteger(lua, -1) != 0 ? lua_tointeger(lua, -1) : static_cast<lua_Integer>(lua_rawlen(lua, index));
                lua_pop(lua, 1);
                std::string text = "{";
                for (lua_Integer i = 1; i <= count; ++i) {
                    lua_rawgeti(lua, index, i);
                    text += describe(lua, -1) + ",";
                    lua_pop(lua, 1);
                }
                return text + "}";
            }
            default: return luaL_typename(lua, index);
        }
    }

    CallLimits limits_;
    lua_State* real_;
    lua_State* ours_;
    CallLimits::Ending last_ending_;
};

}  // namespace deid::testing
