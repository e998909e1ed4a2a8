// The sandbox's string.rep, table functions, pcall, xpcall, load and
// setmetatable against Lua's own: the same results and errors wherever
// Lua's own versions end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "tests/lua_side_by_side.hpp"

namespace deid {
namespace {

using testing::LuaSideBySide;

const char* const kProbes = R"lua(
local function show(t, n)
  local out = {}
  for i = 1, n do out[i] = tostring(t[i]) end
  return out
end
local function numbers(n)
  local t = {}
  for i = 1, n do t[i] = i * 10 end
  return t
end

function rep(s, sep, n) return string.rep(s, n, sep) end
function rep_without_separator(s, n) return string.rep(s, n) end

function move(f, e, t)
  local a = numbers(8)
  local ok, message = pcall(table.move, a, f, e, t)
  return ok, ok or message, show(a, 12)
end
function move_to_other(f, e, t)
  local a, b = numbers(8), {}
  local ok, result = pcall(table.move, a, f, e, t, b)
  return ok, ok and result == b or result, show(b, 12)
end
function move_errors(which)
  if which == 1 then return table.move(nil, 1, 2, 3) end
  if which == 2 then return table.move({}, 1, 2, 3, 5) end
  if which == 3 then return table.move({}, "x", 2, 3) end
  return table.move(setmetatable({}, {__index = function(_, k) return k * 2 end}), 1, 3, 1, {})
end

function insert(n, position)
  local a = numbers(n)
  local ok, message = pcall(table.insert, a, position, "new")
  return ok, message, show(a, n + 2)
end
function append(n)
  local a = numbers(n)
  table.insert(a, "new")
  return show(a, n + 2)
end
function insert_arguments(count)
  if count == 1 then return table.insert({}) end
  return table.insert({}, 1, 2, 3)
end
function remove(n, position)
  local a = numbers(n)
  local ok, removed = pcall(table.remove, a, position)
  return ok, removed, show(a, n + 1)
end
function remove_last(n)
  local a = numbers(n)
  local removed = table.remove(a)
  return removed, show(a, n + 1)
end

function concat(separator, i, j)
  return pcall(table.concat, {1, "two", 3.5, "four", 5}, separator, i, j)
end
function concat_bad(which)
  if which == 1 then return table.concat({1, {}, 3}) end
  if which == 2 then return table.concat({1, 2, nil, 4}, ",", 1, 4) end
  if which == 3 then return table.concat("x") end
  return table.concat(setmetatable({}, {__index = function(_, k) return "<" .. k .. ">" end, __len = function() return 4 end}), "")
end

function sort_numbers(seed, n, descending)
  local a, state = {}, seed
  for i = 1, n do
    state = (state * 1103515245 + 12345) % 2147483648
    a[i] = state % 1000003 + i / 1e7  -- distinct values
  end
  if descending == 1 then table.sort(a, function(x, y) return x > y end) else table.sort(a) end
  return show(a, n)
end
function sort_words(...)
  local a = {...}
  table.sort(a)
  return a
end
function sort_errors(which)
  if which == 1 then return table.sort({3, "x", 1}) end
  if which == 2 then return table.sort({3, 2, 1}, 42) end
  if which == 3 then return table.sort({3, 2, 1}, function(a, b) error("comparator says no") end) end
  return table.sort({{}, {}})
end

function protected(which)
  if which == 1 then return pcall(error, "plain") end
  if which == 2 then return pcall(error, {code = 7}) end
  if which == 3 then return pcall(function(a, b) return a + b, a * b end, 3, 4) end
  if which == 4 then return pcall(table.unpack, numbers(200), 1, 200) end
  if which == 5 then return pcall() end
  if which == 6 then return xpcall(error, function(m) return "handled: " .. m end, "oops") end
  if which == 7 then return xpcall(function(...) return select("#", ...), ... end, print, "a", nil, "c") end
  if which == 8 then return xpcall(error) end
  if which == 9 then return pcall(pcall, error, "nested") end
  if which == 10 then return xpcall(error, function(m) error("again") end, "first") end
  if which == 11 then return pcall(string.rep) end
  return select("#", pcall(function() end))
end

function metatables(which)
  if which == 1 then
    local t = setmetatable({}, {__index = function(_, k) return k .. "!" end})
    return t.x, getmetatable(t) ~= nil
  end
  if which == 2 then return pcall(setmetatable, setmetatable({}, {__metatable = "locked"}), {}) end
  if which == 3 then return pcall(setmetatable, 1, {}) end
  if which == 4 then return pcall(setmetatable, {}, 1) end
  if which == 5 then return pcall(setmetatable, {}) end
  return getmetatable(setmetatable({}, nil))
end

function loading(which)
  if which == 1 then return load("return 1 + 1", "=chunk")() end
  if which == 2 then return load("return (", "=chunk") end
  return load("return x", "=chunk", "t", {x = "from env"})()
end
)lua";

class Comparison {
public:
    Comparison() : lua_(kProbes) {}

    void same(const char* function, const std::vector<std::string>& strings,
              const std::vector<lua_Integer>& integers = {}) {
        ++compared_;
        const auto results = lua_.call(function, strings, integers);
        if (results.real != results.ours) {
            std::string call = function;
            for (const auto& text : strings) {
                call += " \"" + text + "\"";
            }
            for (const auto number : integers) {
                call += " " + std::to_string(number);
            }
            ADD_FAILURE() << call << "\n    Lua:     " << results.real << "\n    sandbox: " << results.ours;
        }
    }

    [[nodiscard]] std::size_t compared() const { return compared_; }

private:
    LuaSideBySide lua_;
    std::size_t compared_ = 0;
};

TEST(LuaSandboxLibrary, RepMatchesLuasOwn) {
    Comparison lua;
    for (const std::string unit : {"", "a", "ab", "xyz"}) {
        for (const std::string separator : {"", ",", "--"}) {
            for (const lua_Integer count : {LUA_MININTEGER, lua_Integer{-1}, lua_Integer{0}, lua_Integer{1},
                                            lua_Integer{2}, lua_Integer{3}, lua_Integer{7}, lua_Integer{64}}) {
                lua.same("rep", {unit, separator}, {count});
            }
        }
        lua.same("rep_without_separator", {unit}, {5});
    }
    // Lua's own answer before it would allocate; (an empty result is not
    // compared: Lua's own loops 2^62 times to make it).
    lua.same("rep", {"ab", ""}, {lua_Integer{1} << 40});
    lua.same("rep", {"", ","}, {lua_Integer{1} << 40});
    lua.same("rep", {"a", "bb"}, {LUA_MAXINTEGER});
    EXPECT_EQ(lua.compared(), 4U * 3 * 8 + 4 + 3);
}

TEST(LuaSandboxLibrary, TableMoveInsertRemoveMatchLuasOwn) {
    Comparison lua;
    const std::vector<lua_Integer> positions = {-2, 0, 1, 2, 3, 5, 8, 9, 10};
    for (const lua_Integer first : positions) {
        for (const lua_Integer last : positions) {
            for (const lua_Integer target : {-1, 1, 2, 4, 7, 9}) {
                lua.same("move", {}, {first, last, target});
                lua.same("move_to_other", {}, {first, last, target});
            }
        }
    }
    lua.same("move", {}, {LUA_MININTEGER, 5, 1});
    lua.same("move", {}, {1, LUA_MAXINTEGER, 2});
    lua.same("move", {}, {1, 3, LUA_MAXINTEGER - 1});
    for (const lua_Integer which : {1, 2, 3, 4}) {
        lua.same("move_errors", {}, {which});
    }
    for (const lua_Integer n : {0, 1, 3, 8}) {
        for (const lua_Integer position : {-1, 0, 1, 2, 3, 4, 8, 9, 10}) {
            lua.same("insert", {}, {n, position});
            lua.same("remove", {}, {n, position});
        }
        lua.same("append", {}, {n});
        lua.same("remove_last", {}, {n});
    }
    lua.same("insert_arguments", {}, {1});
    lua.same("insert_arguments", {}, {3});
    EXPECT_GT(lua.compared(), 1000U);
}

TEST(LuaSandboxLibrary, TableConcatMatchesLuasOwn) {
    Comparison lua;
    for (const std::string separator : {"", ", ", "|"}) {
        for (const lua_Integer first : {-1, 0, 1, 2, 5, 6}) {
            for (const lua_Integer last : {0, 1, 4, 5, 6}) {
                lua.same("concat", {separator}, {first, last});
            }
        }
    }
    for (const lua_Integer which : {1, 2, 3, 4}) {
        lua.same("concat_bad", {}, {which});
    }
    EXPECT_EQ(lua.compared(), 3U * 6 * 5 + 4);
}

TEST(LuaSandboxLibrary, TableSortMatchesLuasOwn) {
    Comparison lua;
    for (const lua_Integer n : {0, 1, 2, 3, 10, 101, 1000}) {
        for (const lua_Integer seed : {1, 2, 3}) {
            lua.same("sort_numbers", {}, {seed, n, 0});
            lua.same("sort_numbers", {}, {seed, n, 1});
        }
    }
    lua.same("sort_words", {"pear", "apple", "Zebra", "", "apple pie", "banana"});
    for (const lua_Integer which : {1, 2, 3, 4}) {
        lua.same("sort_errors", {}, {which});
    }
    EXPECT_EQ(lua.compared(), 7U * 3 * 2 + 1 + 4);
}

TEST(LuaSandboxLibrary, ProtectedCallsLoadAndMetatablesMatchLuasOwn) {
    Comparison lua;
    for (lua_Integer which = 1; which <= 12; ++which) {
        lua.same("protected", {}, {which});
    }
    for (lua_Integer which = 1; which <= 6; ++which) {
        lua.same("metatables", {}, {which});
    }
    for (lua_Integer which = 1; which <= 3; ++which) {
        lua.same("loading", {}, {which});
    }
    EXPECT_EQ(lua.compared(), 21U);
}

}  // namespace
}  // namespace deid
