// The sandbox's pcall, xpcall, load and setmetatable, and the library as a
// whole. No local here has a destructor: any Lua API call may leave by
// longjmp.

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/sandbox_library.hpp"

namespace deid {

namespace {

// After a protected call whose results follow a `true` already pushed:
// its results, or false and the error; or, when the call that ran the
// pcall must end, the error passed on.
int finish_protected_call(lua_State* lua, int status, int true_index) {
    if (status == LUA_OK) {
        return lua_gettop(lua) - true_index + 1;
    }
    if (CallLimits::of(lua).must_end(status)) {
        CallLimits::raise_stop(lua);
    }
    lua_pushboolean(lua, 0);
    lua_pushvalue(lua, -2);
    return 2;
}

int sandbox_pcall(lua_State* lua) {
    luaL_checkany(lua, 1);
    lua_pushboolean(lua, 1);  // the first result, pushed before the call leaves no room
    lua_insert(lua, 1);
    const int status = lua_pcall(lua, lua_gettop(lua) - 2, LUA_MULTRET, 0);
    return finish_protected_call(lua, status, 1);
}

int sandbox_xpcall(lua_State* lua) {
    const int arguments = lua_gettop(lua) - 2;
    luaL_checktype(lua, 2, LUA_TFUNCTION);
    lua_pushboolean(lua, 1);
    lua_pushvalue(lua, 1);
    lua_rotate(lua, 3, 2);  // function, handler, true, function, arguments...
    const int status = lua_pcall(lua, arguments, LUA_MULTRET, 2);
    return finish_protected_call(lua, status, 3);
}

// load(chunk [, chunkname [, mode [, env]]]) for text chunks only: no
// precompiled bytecode can enter the sandbox.
int sandbox_load(lua_State* lua) {
    std::size_t length = 0;
    const char* chunk = luaL_checklstring(lua, 1, &length);
    const char* name = luaL_optstring(lua, 2, "=(load)");
    const bool has_environment = !lua_isnone(lua, 4);
    const int status = luaL_loadbufferx(lua, chunk, length, name, "t");
    if (status != LUA_OK) {
        if (CallLimits::of(lua).must_end(status)) {
            CallLimits::raise_stop(lua);
        }
        luaL_pushfail(lua);
        lua_insert(lua, -2);
        return 2;
    }
    if (has_environment) {
        lua_pushvalue(lua, 4);
        if (lua_setupvalue(lua, -2, 1) == nullptr) {
            lua_pop(lua, 1);
        }
    }
    return 1;
}

int sandbox_setmetatable(lua_State* lua) {
    const int metatable_type = lua_type(lua, 2);
    luaL_checktype(lua, 1, LUA_TTABLE);
    luaL_argexpected(lua, metatable_type == LUA_TNIL || metatable_type == LUA_TTABLE, 2, "nil or table");
    if (metatable_type == LUA_TTABLE) {
        lua_pushliteral(lua, "__gc");
        const bool finalizer = lua_rawget(lua, 2) != LUA_TNIL;
        lua_pop(lua, 1);
        if (finalizer) {
            return luaL_argerror(lua, 2, "__gc: the sandbox runs no finalizers");
        }
    }
    if (luaL_getmetafield(lua, 1, "__metatable") != LUA_TNIL) {
        return luaL_error(lua, "cannot change a protected metatable");
    }
    lua_settop(lua, 2);
    lua_setmetatable(lua, 1);
    return 1;
}

}  // namespace

void replace_base_functions(lua_State* lua) {
    static const luaL_Reg functions[] = {{"pcall", sandbox_pcall},
                                         {"xpcall", sandbox_xpcall},
                                         {"load", sandbox_load},
                                         {"setmetatable", sandbox_setmetatable},
                                         {nullptr, nullptr}};
    lua_pushglobaltable(lua);
    luaL_setfuncs(lua, functions, 0);
    lua_pop(lua, 1);
}

void open_sandbox_library(lua_State* lua) {
    static const luaL_Reg allowed[] = {{LUA_GNAME, luaopen_base},
                                       {LUA_STRLIBNAME, luaopen_string},
                                       {LUA_TABLIBNAME, luaopen_table},
                                       {LUA_MATHLIBNAME, luaopen_math},
                                       {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (const auto& library : allowed) {
        luaL_requiref(lua, library.name, library.func, 1);
        lua_pop(lua, 1);
    }
    for (const char* removed : {"dofile", "loadfile", "collectgarbage"}) {
        lua_pushnil(lua);
        lua_setglobal(lua, removed);
    }
    lua_getglobal(lua, LUA_STRLIBNAME);
    lua_pushnil(lua);
    lua_setfield(lua, -2, "dump");  // bytecode has no use in the sandbox
    lua_pop(lua, 1);
    replace_base_functions(lua);
    replace_string_functions(lua);
    replace_table_functions(lua);
}

}  // namespace deid
