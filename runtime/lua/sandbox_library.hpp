#pragma once

#include <lua.hpp>

// The Lua standard library as the sandbox offers it. Lua runs some of its
// library functions' loops in C, where the instruction hook never fires,
// and lets pcall catch every error; these replacements count their work
// against the call's limits (runtime/lua/call_limits.hpp) and let no
// script catch the end of its call. Each needs the state's CallLimits
// attached, and raises Lua errors: call it in protected mode.
namespace deid {

// base, string, table, math and utf8, without dofile, loadfile,
// collectgarbage and string.dump, with the replacements below.
void open_sandbox_library(lua_State* lua);

// pcall and xpcall pass on the error of a call that must end; load takes
// text only; setmetatable refuses finalizers (__gc), code that would run
// outside any call's limits (at collection, or when the state closes).
void replace_base_functions(lua_State* lua);

// find, match, gmatch and gsub by runtime/lua/pattern_matcher; rep without
// a C loop that runs longer than its result is long.
void replace_string_functions(lua_State* lua);

// move, insert, remove, concat and sort, whose loops run as long as
// arguments or a __len metamethod say, count every element.
void replace_table_functions(lua_State* lua);

}  // namespace deid
