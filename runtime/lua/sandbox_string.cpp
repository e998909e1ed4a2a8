// string.find, match, gmatch, gsub and rep for the sandbox, with Lua 5.4's
// behaviour (reference manual §6.4) and every step counted. No local here
// has a destructor: any Lua API call may leave by longjmp.

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <string_view>

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/pattern_matcher.hpp"
#include "runtime/lua/sandbox_library.hpp"

namespace deid {

namespace {

using lua_patterns::Capture;
using lua_patterns::Match;
using lua_patterns::Outcome;
using lua_patterns::SearchRules;
using lua_patterns::Status;

// Lua's string library makes no longer strings than this.
constexpr std::size_t kLongestString = INT_MAX;

class LimitsMeter final : public lua_patterns::StepMeter {
public:
    explicit LimitsMeter(lua_State* lua) : limits_(CallLimits::of(lua)) {}
    bool allow(std::uint64_t steps) override { return limits_.spend(steps); }

private:
    CallLimits& limits_;
};

void spend(lua_State* lua, std::uint64_t steps) {
    if (!CallLimits::of(lua).spend(steps)) {
        CallLimits::raise_stop(lua);
    }
}

std::string_view check_string(lua_State* lua, int index) {
    std::size_t length = 0;
    const char* text = luaL_checklstring(lua, index, &length);
    return {text, length};
}

std::string_view string_at(lua_State* lua, int index) {
    std::size_t length = 0;
    const char* text = lua_tolstring(lua, index, &length);
    return {text, length};
}

// A position as the string functions take it (1-based, negative counts
// from the end, 0 and anything before the start mean the start), 0-based.
// It may lie past the end.
std::size_t start_index(lua_Integer position, std::size_t length) {
    if (position > 0) {
        return static_cast<std::size_t>(position) - 1;
    }
    if (position == 0 || position < -static_cast<lua_Integer>(length)) {
        return 0;
    }
    return length - static_cast<std::size_t>(-position);
}

void raise_if_failed(lua_State* lua, const Outcome& outcome) {
    if (outcome.status == Status::stopped) {
        CallLimits::raise_stop(lua);
    }
    if (outcome.status == Status::malformed) {
        luaL_error(lua, "%s", outcome.error.data());
    }
}

// Capture `index` of `match`; without captures, capture 0 is the whole match.
void push_capture(lua_State* lua, std::string_view subject, const Match& match, int index) {
    if (index >= match.capture_count) {
        if (index != 0) {
            luaL_error(lua, "invalid capture index %%%d", index + 1);
        }
        lua_pushlstring(lua, subject.data() + match.start, match.end - match.start);
        return;
    }
    const Capture& capture = match.captures[index];
    switch (capture.kind) {
        case Capture::Kind::position: lua_pushinteger(lua, static_cast<lua_Integer>(capture.start) + 1); break;
        case Capture::Kind::unfinished: luaL_error(lua, "unfinished capture"); break;
        case Capture::Kind::text: lua_pushlstring(lua, subject.data() + capture.start, capture.length); break;
    }
}

// Every capture, or the whole match when there are none and `whole_if_none`.
int push_captures(lua_State* lua, std::string_view subject, const Match& match, bool whole_if_none) {
    const int count = match.capture_count == 0 && whole_if_none ? 1 : match.capture_count;
    luaL_checkstack(lua, count, "too many captures");
    for (int index = 0; index < count; ++index) {
        push_capture(lua, subject, match, index);
    }
    return count;
}

int find_or_match(lua_State* lua, bool find) {
    const std::string_view subject = check_string(lua, 1);
    const std::string_view pattern = check_string(lua, 2);
    const std::size_t from = start_index(luaL_optinteger(lua, 3, 1), subject.size());
    if (from > subject.size()) {
        luaL_pushfail(lua);
        return 1;
    }
    LimitsMeter meter(lua);
    const bool plain = find && (lua_toboolean(lua, 4) != 0 || lua_patterns::is_plain(pattern));
    const Outcome outcome = plain ? lua_patterns::search_plain(subject, pattern, from, meter)
                                  : lua_patterns::search(subject, pattern, from, SearchRules{}, meter);
    raise_if_failed(lua, outcome);
    if (outcome.status != Status::matched) {
        luaL_pushfail(lua);
        return 1;
    }
    if (!find) {
        return push_captures(lua, subject, outcome.match, true);
    }
    lua_pushinteger(lua, static_cast<lua_Integer>(outcome.match.start) + 1);
    lua_pushinteger(lua, static_cast<lua_Integer>(outcome.match.end));
    return push_captures(lua, subject, outcome.match, false) + 2;
}

int string_find(lua_State* lua) { return find_or_match(lua, true); }
int string_match(lua_State* lua) { return find_or_match(lua, false); }

// Where a gmatch iterator goes on (a userdata upvalue).
struct GmatchProgress {
    std::size_t position = 0;  // past the subject once done
    bool after_match = false;
};

int gmatch_next(lua_State* lua) {
    const std::string_view subject = string_at(lua, lua_upvalueindex(1));
    const std::string_view pattern = string_at(lua, lua_upvalueindex(2));
    auto* progress = static_cast<GmatchProgress*>(lua_touserdata(lua, lua_upvalueindex(3)));
    if (progress->position > subject.size()) {
        return 0;
    }
    LimitsMeter meter(lua);
    // A leading '^' is no anchor here: it would end the iteration.
    const SearchRules rules{.caret_anchors = false, .after_match = progress->after_match};
    const Outcome outcome = lua_patterns::search(subject, pattern, progress->position, rules, meter);
    raise_if_failed(lua, outcome);
    if (outcome.status != Status::matched) {
        progress->position = subject.size() + 1;
        return 0;
    }
    progress->position = outcome.match.end;
    progress->after_match = true;
    return push_captures(lua, subject, outcome.match, true);
}

int string_gmatch(lua_State* lua) {
    const std::string_view subject = check_string(lua, 1);
    check_string(lua, 2);
    const std::size_t from = start_index(luaL_optinteger(lua, 3, 1), subject.size());
    lua_settop(lua, 2);
    auto* progress = static_cast<GmatchProgress*>(lua_newuserdatauv(lua, sizeof(GmatchProgress), 0));
    *progress = GmatchProgress{std::min(from, subject.size() + 1), false};
    lua_pushcclosure(lua, gmatch_next, 3);
    return 1;
}

// A replacement string: %0 the match, %1-%9 its captures, %% a '%'.
void add_expansion(lua_State* lua, luaL_Buffer* result, std::string_view subject, const Match& match,
                   std::string_view replacement) {
    while (true) {
        const std::size_t escape = replacement.find('%');
        if (escape == std::string_view::npos) {
            luaL_addlstring(result, replacement.data(), replacement.size());
            return;
        }
        luaL_addlstring(result, replacement.data(), escape);
        const char code = escape + 1 < replacement.size() ? replacement[escape + 1] : '\0';
        if (code == '%') {
            luaL_addchar(result, '%');
        } else if (code == '0') {
            luaL_addlstring(result, subject.data() + match.start, match.end - match.start);
        } else if (std::isdigit(static_cast<unsigned char>(code)) != 0) {
            push_capture(lua, subject, match, code - '1');
            luaL_tolstring(lua, -1, nullptr);  // a position capture is a number
            lua_remove(lua, -2);
            luaL_addvalue(result);
        } else {
            luaL_error(lua, "invalid use of '%c' in replacement string", '%');
        }
        replacement.remove_prefix(escape + 2);
    }
}

// Adds what replaces `match`; false when the match stays as it was (the
// function or table gave nil or false).
bool add_replacement(lua_State* lua, luaL_Buffer* result, std::string_view subject, const Match& match,
                     int replacement_type, std::string_view replacement_text) {
    if (replacement_type == LUA_TSTRING || replacement_type == LUA_TNUMBER) {
        add_expansion(lua, result, subject, match, replacement_text);
        return true;
    }
    if (replacement_type == LUA_TFUNCTION) {
        lua_pushvalue(lua, 3);
        const int arguments = push_captures(lua, subject, match, true);
        lua_call(lua, arguments, 1);
    } else {
        push_capture(lua, subject, match, 0);
        lua_gettable(lua, 3);
    }
    if (lua_toboolean(lua, -1) == 0) {
        lua_pop(lua, 1);
        luaL_addlstring(result, subject.data() + match.start, match.end - match.start);
        return false;
    }
    if (lua_isstring(lua, -1) == 0) {
        luaL_error(lua, "invalid replacement value (a %s)", luaL_typename(lua, -1));
    }
    luaL_addvalue(result);
    return true;
}

int string_gsub(lua_State* lua) {
    const std::string_view subject = check_string(lua, 1);
    const std::string_view pattern = check_string(lua, 2);
    const int replacement_type = lua_type(lua, 3);
    const lua_Integer most = luaL_optinteger(lua, 4, static_cast<lua_Integer>(subject.size()) + 1);
    luaL_argexpected(lua,
                     replacement_type == LUA_TNUMBER || replacement_type == LUA_TSTRING ||
                         replacement_type == LUA_TFUNCTION || replacement_type == LUA_TTABLE,
                     3, "string/function/table");
    const bool anchored = !pattern.empty() && pattern.front() == '^';
    // A number becomes a string once, in place (index 3 keeps it alive).
    const bool is_text = replacement_type == LUA_TSTRING || replacement_type == LUA_TNUMBER;
    const std::string_view replacement_text = is_text ? string_at(lua, 3) : std::string_view();
    const std::uint64_t replacement_cost = 1 + replacement_text.size() / 16;  // a function or table: its own count
    luaL_Buffer result;
    luaL_buffinit(lua, &result);
    LimitsMeter meter(lua);
    std::size_t position = 0;
    lua_Integer count = 0;
    bool changed = false;
    SearchRules rules;
    while (count < most) {
        const Outcome outcome = lua_patterns::search(subject, pattern, position, rules, meter);
        raise_if_failed(lua, outcome);
        if (outcome.status != Status::matched) {
            break;
        }
        spend(lua, replacement_cost);
        luaL_addlstring(&result, subject.data() + position, outcome.match.start - position);
        changed = add_replacement(lua, &result, subject, outcome.match, replacement_type, replacement_text) || changed;
        ++count;
        position = outcome.match.end;
        rules.after_match = true;
        if (anchored) {
            break;
        }
    }
    if (!changed) {
        lua_pushvalue(lua, 1);
    } else {
        luaL_addlstring(&result, subject.data() + position, subject.size() - position);
        luaL_pushresult(&result);
    }
    lua_pushinteger(lua, count);
    return 2;
}

// Lua's own rep copies `s` n times in a C loop, even when `s` is empty:
// string.rep("", 2^62) never returns. Here the result is made by doubling,
// and an empty result takes no time.
int string_rep(lua_State* lua) {
    const std::string_view unit = check_string(lua, 1);
    const lua_Integer count = luaL_checkinteger(lua, 2);
    std::size_t separator_length = 0;
    const char* separator = luaL_optlstring(lua, 3, "", &separator_length);
    if (count <= 0) {
        lua_pushliteral(lua, "");
        return 1;
    }
    const std::size_t period = unit.size() + separator_length;
    if (period < unit.size() || period > kLongestString / static_cast<std::size_t>(count)) {
        return luaL_error(lua, "resulting string too large");
    }
    const std::size_t total = static_cast<std::size_t>(count) * period - separator_length;
    if (total == 0) {
        lua_pushliteral(lua, "");
        return 1;
    }
    luaL_Buffer buffer;
    char* out = luaL_buffinitsize(lua, &buffer, total);  // past the memory cap, the memory error comes first
    spend(lua, 1 + total / 64);
    std::memcpy(out, unit.data(), unit.size());
    std::size_t filled = unit.size();
    if (count > 1) {
        std::memcpy(out + filled, separator, separator_length);
        filled += separator_length;
    }
    // The result repeats with `period`, and `filled` is a whole number of periods until the last copy.
    while (filled < total) {
        const std::size_t copied = std::min(filled, total - filled);
        std::memcpy(out + filled, out, copied);
        filled += copied;
    }
    luaL_pushresultsize(&buffer, total);
    return 1;
}

}  // namespace

void replace_string_functions(lua_State* lua) {
    static const luaL_Reg functions[] = {{"find", string_find}, {"match", string_match}, {"gmatch", string_gmatch},
                                         {"gsub", string_gsub}, {"rep", string_rep},     {nullptr, nullptr}};
    lua_getglobal(lua, LUA_STRLIBNAME);  // also the strings' metatable's __index: s:gsub(...) finds these
    luaL_setfuncs(lua, functions, 0);
    lua_pop(lua, 1);
}

}  // namespace deid
