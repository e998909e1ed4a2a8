// table.move, insert, remove, concat and sort for the sandbox, with Lua
// 5.4's behaviour (reference manual §6.6) and every element counted. Lua's
// own versions loop in C as long as their arguments or a __len metamethod
// say: table.move({}, 1, 2^62, 2) moves nils for centuries, and a table
// whose __index and __newindex are C functions keeps sort busy without a
// single Lua instruction. No local here has a destructor: any Lua API call
// may leave by longjmp.

#include <algorithm>
#include <climits>

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/sandbox_library.hpp"

namespace deid {

namespace {

enum Access : unsigned { kRead = 1U, kWrite = 2U, kLength = 4U };

void spend(lua_State* lua, std::uint64_t steps) {
    if (!CallLimits::of(lua).spend(steps)) {
        CallLimits::raise_stop(lua);
    }
}

// A table, or a value whose metatable gives the access needed.
void check_table(lua_State* lua, int index, unsigned access) {
    if (lua_type(lua, index) == LUA_TTABLE) {
        return;
    }
    bool usable = lua_getmetatable(lua, index) != 0;
    if (usable) {
        const int metatable = lua_gettop(lua);
        auto has = [&](const char* field) {
            const bool present = lua_getfield(lua, metatable, field) != LUA_TNIL;
            lua_pop(lua, 1);
            return present;
        };
        usable = ((access & kRead) == 0 || has("__index")) && ((access & kWrite) == 0 || has("__newindex")) &&
                 ((access & kLength) == 0 || has("__len"));
        lua_pop(lua, 1);
    }
    if (!usable) {
        luaL_checktype(lua, index, LUA_TTABLE);  // raises "table expected, got ..."
    }
}

lua_Integer length_of(lua_State* lua, int index, unsigned access) {
    check_table(lua, index, access | kLength);
    return luaL_len(lua, index);
}

// Wrapping integer arithmetic, as Lua's own.
lua_Integer wrapping_add(lua_Integer a, lua_Integer b) {
    return static_cast<lua_Integer>(static_cast<lua_Unsigned>(a) + static_cast<lua_Unsigned>(b));
}

int table_move(lua_State* lua) {
    const lua_Integer first = luaL_checkinteger(lua, 2);
    const lua_Integer last = luaL_checkinteger(lua, 3);
    const lua_Integer target = luaL_checkinteger(lua, 4);
    const int destination = lua_isnoneornil(lua, 5) ? 1 : 5;
    check_table(lua, 1, kRead);
    check_table(lua, destination, kWrite);
    if (last >= first) {
        luaL_argcheck(lua, first > 0 || last < LUA_MAXINTEGER + first, 3, "too many elements to move");
        const lua_Integer beyond_first = last - first;  // the count of elements, less one
        luaL_argcheck(lua, target <= LUA_MAXINTEGER - beyond_first, 4, "destination wrap around");
        const bool forward = target > last || target <= first ||
                             (destination != 1 && lua_compare(lua, 1, destination, LUA_OPEQ) == 0);
        for (lua_Integer i = 0; i <= beyond_first; ++i) {
            const lua_Integer offset = forward ? i : beyond_first - i;
            spend(lua, 1);
            lua_geti(lua, 1, first + offset);
            lua_seti(lua, destination, target + offset);
        }
    }
    lua_pushvalue(lua, destination);
    return 1;
}

int table_insert(lua_State* lua) {
    const lua_Integer first_empty = wrapping_add(length_of(lua, 1, kRead | kWrite), 1);
    lua_Integer position = first_empty;
    switch (lua_gettop(lua)) {
        case 2: break;
        case 3: {
            position = luaL_checkinteger(lua, 2);
            // Unsigned, so that 1 <= position <= first_empty is one comparison.
            luaL_argcheck(lua,
                          static_cast<lua_Unsigned>(position) - 1U < static_cast<lua_Unsigned>(first_empty), 2,
                          "position out of bounds");
            for (lua_Integer i = first_empty; i > position; --i) {
                spend(lua, 1);
                lua_geti(lua, 1, i - 1);
                lua_seti(lua, 1, i);
            }
            break;
        }
        default: return luaL_error(lua, "wrong number of arguments to 'insert'");
    }
    lua_seti(lua, 1, position);
    return 0;
}

int table_remove(lua_State* lua) {
    const lua_Integer size = length_of(lua, 1, kRead | kWrite);
    lua_Integer position = luaL_optinteger(lua, 2, size);
    if (position != size) {
        // 1 <= position <= size + 1, in one unsigned comparison.
        // Lua 5.4 names argument 1 here, not the position; so do we.
        luaL_argcheck(lua, static_cast<lua_Unsigned>(position) - 1U <= static_cast<lua_Unsigned>(size), 1,
                      "position out of bounds");
    }
    lua_geti(lua, 1, position);
    for (; position < size; ++position) {
        spend(lua, 1);
        lua_geti(lua, 1, position + 1);
        lua_seti(lua, 1, position);
    }
    lua_pushnil(lua);
    lua_seti(lua, 1, position);
    return 1;
}

void add_element(lua_State* lua, luaL_Buffer* result, lua_Integer index) {
    lua_geti(lua, 1, index);
    if (lua_isstring(lua, -1) == 0) {
        luaL_error(lua, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(lua, -1),
                   static_cast<LUAI_UACINT>(index));
    }
    luaL_addvalue(result);
}

int table_concat(lua_State* lua) {
    lua_Integer last = length_of(lua, 1, kRead);
    std::size_t separator_length = 0;
    const char* separator = luaL_optlstring(lua, 2, "", &separator_length);
    lua_Integer index = luaL_optinteger(lua, 3, 1);
    last = luaL_optinteger(lua, 4, last);
    luaL_Buffer result;
    luaL_buffinit(lua, &result);
    for (; index < last; ++index) {
        spend(lua, 1);
        add_element(lua, &result, index);
        luaL_addlstring(&result, separator, separator_length);
    }
    if (index == last) {
        add_element(lua, &result, index);
    }
    luaL_pushresult(&result);
    return 1;
}

// table.sort as a heap sort: in place, no recursion, about n log2 n
// comparisons whatever the order function answers, and never a read
// outside 1..n even when that function is inconsistent. Bottom-up (the
// sifted element goes down the path of larger children to a leaf, then
// back up to its place), which halves the comparisons, and each step of
// the sift moves one element instead of swapping two.
class HeapSort {
public:
    HeapSort(lua_State* lua, bool has_order) : lua_(lua), has_order_(has_order) {}

    void sort(lua_Integer count) {
        for (lua_Integer root = count / 2; root >= 1; --root) {
            lua_geti(lua_, 1, root);
            sift_down(root, count);
        }
        for (lua_Integer end = count; end > 1; --end) {
            lua_geti(lua_, 1, end);  // the last element, to sift down from the root
            lua_geti(lua_, 1, 1);
            lua_seti(lua_, 1, end);  // the largest goes last
            sift_down(1, end - 1);
        }
    }

private:
    // Places the value on the stack top, which belongs at `root`, in the
    // heap root..end whose subtrees below root are heaps already.
    void sift_down(lua_Integer root, lua_Integer end) {
        // Down to a leaf along the larger children.
        lua_Integer at = root;
        while (2 * at <= end) {
            lua_Integer child = 2 * at;
            if (child < end && less(child, child + 1)) {
                ++child;
            }
            at = child;
        }
        // Up to the first element on that path not less than the value.
        while (at > root) {
            lua_geti(lua_, 1, at);
            const bool smaller = less_on_stack(-1, -2);
            lua_pop(lua_, 1);
            if (!smaller) {
                break;
            }
            at /= 2;
        }
        // The value goes there; the elements above it on the path move up one level.
        while (at >= root) {
            lua_geti(lua_, 1, at);   // the element being displaced
            lua_rotate(lua_, -2, 1);  // displaced below the value to store
            lua_seti(lua_, 1, at);
            at /= 2;
        }
        lua_pop(lua_, 1);  // the root's old element, replaced by the value sifted
    }

    bool less(lua_Integer a, lua_Integer b) {
        lua_geti(lua_, 1, a);
        lua_geti(lua_, 1, b);
        const bool result = less_on_stack(-2, -1);
        lua_pop(lua_, 2);
        return result;
    }

    // Whether the value at stack index `a` sorts before the one at `b`.
    bool less_on_stack(int a, int b) {
        a = lua_absindex(lua_, a);
        b = lua_absindex(lua_, b);
        if (has_order_) {
            spend(lua_, 1);
            lua_pushvalue(lua_, 2);
            lua_pushvalue(lua_, a);
            lua_pushvalue(lua_, b);
            lua_call(lua_, 2, 1);
            const bool result = lua_toboolean(lua_, -1) != 0;
            lua_pop(lua_, 1);
            return result;
        }
        // Comparing two long strings takes time in proportion to them.
        std::uint64_t cost = 1;
        if (lua_type(lua_, a) == LUA_TSTRING && lua_type(lua_, b) == LUA_TSTRING) {
            cost += std::min(lua_rawlen(lua_, a), lua_rawlen(lua_, b)) / 64;
        }
        spend(lua_, cost);
        return lua_compare(lua_, a, b, LUA_OPLT) != 0;
    }

    lua_State* lua_;
    bool has_order_;
};

int table_sort(lua_State* lua) {
    const lua_Integer count = length_of(lua, 1, kRead | kWrite);
    if (count > 1) {
        luaL_argcheck(lua, count < INT_MAX, 1, "array too big");
        const bool has_order = !lua_isnoneornil(lua, 2);
        if (has_order) {
            luaL_checktype(lua, 2, LUA_TFUNCTION);
        }
        lua_settop(lua, 2);
        HeapSort(lua, has_order).sort(count);
    }
    return 0;
}

}  // namespace

void replace_table_functions(lua_State* lua) {
    static const luaL_Reg functions[] = {{"move", table_move},     {"insert", table_insert}, {"remove", table_remove},
                                         {"concat", table_concat}, {"sort", table_sort},     {nullptr, nullptr}};
    lua_getglobal(lua, LUA_TABLIBNAME);
    luaL_setfuncs(lua, functions, 0);
    lua_pop(lua, 1);
}

}  // namespace deid
