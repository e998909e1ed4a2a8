// What the sandbox's library functions cost against Lua's own: each case
// runs as a Lua loop in a plain state (luaL_openlibs, no hook) and in a
// state with the sandbox's replacements under CallLimits (the count hook,
// the alarm), best of five rounds. See bench/README.md.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <lua.hpp>

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/sandbox_library.hpp"

namespace {

struct Case {
    const char* name;
    const char* setup;  // makes the globals the loop uses
    const char* loop;   // one iteration
    int iterations;
};

const Case kCases[] = {
    {"gsub %s+ on a 64-char value", "s = ('Smith  John   Q ' ):rep(4)", "string.gsub(s, '%s+', ' ')", 200000},
    {"match a date ^(%d%d%d%d)(%d%d)(%d%d)$", "s = '20240131'", "string.match(s, '^(%d%d%d%d)(%d%d)(%d%d)$')",
     500000},
    {"gmatch [^\\\\]+ over 5 values", "s = 'ORIGINAL\\\\PRIMARY\\\\AXIAL\\\\CT\\\\HELICAL'",
     "for v in string.gmatch(s, '[^\\\\]+') do end", 200000},
    {"find plain in 1 KB", "s = ('x'):rep(1000) .. 'SIMPSON'", "string.find(s, 'SIMPSON', 1, true)", 200000},
    {"find %d+ in 1 KB", "s = ('x'):rep(1000) .. '123'", "string.find(s, '%d+')", 50000},
    {"gsub %W on 1 KB", "s = ('ab-c '):rep(200)", "string.gsub(s, '%W', '')", 5000},
    {"gsub with a function, 100 words", "s = ('word '):rep(100)", "string.gsub(s, '%a+', string.upper)", 5000},
    {"match (.-)x backtracking, 10 KB", "s = ('a'):rep(10000) .. 'x'", "string.match(s, '(.-)x')", 2000},
    {"rep 'ab' x 1000", "", "string.rep('ab', 1000)", 100000},
    {"table.concat of 100", "t = {} for i = 1, 100 do t[i] = 'v' .. i end", "table.concat(t, ',')", 50000},
    {"table.insert/remove at 1 of 100", "t = {} for i = 1, 100 do t[i] = i end",
     "table.insert(t, 1, 0) table.remove(t, 1)", 50000},
    {"table.sort 1000 numbers", "math.randomseed(7) u = {} for i = 1, 1000 do u[i] = math.random() end",
     "local t = table.move(u, 1, #u, 1, {}) table.sort(t)", 500},
    {"table.sort 1000 with a function", "math.randomseed(7) u = {} for i = 1, 1000 do u[i] = math.random() end",
     "local t = table.move(u, 1, #u, 1, {}) table.sort(t, function(a, b) return a > b end)", 200},
};

double seconds_for(lua_State* lua, const Case& c, deid::CallLimits* limits) {
    const std::string code = "for i = 1, " + std::to_string(c.iterations) + " do " + c.loop + " end";
    double best = 1e9;
    for (int round = 0; round < 5; ++round) {
        if (luaL_loadstring(lua, code.c_str()) != LUA_OK) {
            std::fprintf(stderr, "%s: %s\n", c.name, lua_tostring(lua, -1));
            return 0;
        }
        if (limits != nullptr) {
            limits->begin(lua);
        }
        const auto start = std::chrono::steady_clock::now();
        const int status = lua_pcall(lua, 0, 0, 0);
        const auto stop = std::chrono::steady_clock::now();
        if (limits != nullptr) {
            limits->end(status);
        }
        if (status != LUA_OK) {
            std::fprintf(stderr, "%s: failed\n", c.name);
            return 0;
        }
        best = std::min(best, std::chrono::duration<double>(stop - start).count());
    }
    return best;
}

}  // namespace

int main() {
    deid::LuaLimits generous;
    generous.instructions = 1ULL << 60U;
    generous.seconds = 3600;
    std::printf("| case | iterations | Lua's own, us/iteration | sandbox, us/iteration | sandbox / own |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    for (const Case& c : kCases) {
        lua_State* own = luaL_newstate();
        luaL_openlibs(own);
        deid::CallLimits limits(generous);
        lua_State* sandbox = lua_newstate(deid::CallLimits::allocate, &limits);
        deid::CallLimits::attach(sandbox, limits);
        luaL_openlibs(sandbox);
        deid::replace_base_functions(sandbox);
        deid::replace_string_functions(sandbox);
        deid::replace_table_functions(sandbox);
        limits.begin(sandbox);
        for (lua_State* lua : {own, sandbox}) {
            if (luaL_dostring(lua, c.setup) != LUA_OK) {
                std::fprintf(stderr, "%s: %s\n", c.name, lua_tostring(lua, -1));
                return 1;
            }
        }
        limits.end(LUA_OK);
        const double own_seconds = seconds_for(own, c, nullptr);
        const double sandbox_seconds = seconds_for(sandbox, c, &limits);
        std::printf("| %s | %d | %.3f | %.3f | %.2f |\n", c.name, c.iterations, own_seconds * 1e6 / c.iterations,
                    sandbox_seconds * 1e6 / c.iterations, sandbox_seconds / own_seconds);
        lua_close(own);
        lua_close(sandbox);
    }
    return 0;
}
