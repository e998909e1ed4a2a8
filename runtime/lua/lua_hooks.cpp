#include "runtime/lua/lua_hooks.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <lua.hpp>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "runtime/lua/call_limits.hpp"
#include "runtime/lua/csv.hpp"
#include "runtime/lua/sandbox_library.hpp"
#include "stdlib/date_shift.hpp"
#include "stdlib/pseudonyms.hpp"
#include "stdlib/uids.hpp"
#include "support/strings.hpp"

namespace deid {

struct LuaHooks::Context {
    std::vector<std::filesystem::path> data_files;
    std::ostream* log = nullptr;
    std::string pseudonym_key;  // never handed to a script
    ~Context() { OPENSSL_cleanse(pseudonym_key.data(), pseudonym_key.size()); }
};

struct LuaHooks::Run {
    int status = LUA_OK;
    CallLimits::Ending ending;
};

namespace {

LuaHooks::Context& context_of(lua_State* lua) {
    return *static_cast<LuaHooks::Context*>(lua_touserdata(lua, lua_upvalueindex(1)));
}

int refuse_write(lua_State* lua) { return luaL_error(lua, "this table is read-only"); }

// ----------------------------------------------------------- deid library --

int deid_log(lua_State* lua) {
    const char* message = luaL_checkstring(lua, 1);
    luaL_where(lua, 1);
    *context_of(lua).log << "lua: " << lua_tostring(lua, -1) << message << '\n';
    return 0;
}

int deid_hmac_sha256(lua_State* lua) {
    std::size_t key_length = 0;
    std::size_t text_length = 0;
    const char* key = luaL_checklstring(lua, 1, &key_length);
    const char* text = luaL_checklstring(lua, 2, &text_length);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    if (HMAC(EVP_sha256(), key, static_cast<int>(key_length), reinterpret_cast<const unsigned char*>(text), text_length,
             digest.data(), &digest_length) == nullptr) {
        return luaL_error(lua, "HMAC-SHA256 failed");
    }
    std::string hex;
    for (unsigned int i = 0; i < digest_length; ++i) {
        std::array<char, 3> pair{};
        std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
        hex += pair.data();
    }
    lua_pushstring(lua, hex.c_str());
    return 1;
}

int deid_uid_from(lua_State* lua) {
    const char* text = luaL_checkstring(lua, 1);
    const char* prefix = luaL_optstring(lua, 2, "2.25.");
    const auto uid = stdlib::hashed_uid(prefix, text);
    if (!uid) {
        return luaL_error(lua, "deid.uid_from: '%s' is no UID prefix (digits and dots, ending in '.')", prefix);
    }
    lua_pushstring(lua, uid->c_str());
    return 1;
}

int deid_shift_date(lua_State* lua) {
    const char* date = luaL_checkstring(lua, 1);
    const lua_Integer days = luaL_checkinteger(lua, 2);
    const auto shifted = stdlib::shift_date_value(date, "DA", days);
    if (!shifted) {
        lua_pushnil(lua);
    } else {
        lua_pushstring(lua, shifted->c_str());
    }
    return 1;
}

// The run's key, or a Lua error naming the function that needs it.
std::string_view key_for(lua_State* lua, const char* function) {
    const std::string& key = context_of(lua).pseudonym_key;
    if (key.empty()) {
        luaL_error(lua, "%s: this run has no pseudonym key (give put --key-file FILE)", function);
    }
    return key;
}

int deid_hash_uid(lua_State* lua) {
    const char* uid = luaL_checkstring(lua, 1);
    const std::string_view key = key_for(lua, "deid.hash_uid");
    lua_pushstring(lua, stdlib::hash_uid(uid, key).c_str());
    return 1;
}

int deid_hash_id(lua_State* lua) {
    std::size_t size = 0;
    const char* value = luaL_checklstring(lua, 1, &size);
    const char* prefix = luaL_optstring(lua, 2, "");
    const lua_Integer length = luaL_optinteger(lua, 3, stdlib::kDefaultIdLength);
    // No C++ object may be alive when luaL_error jumps out of this frame.
    if (stdlib::id_prefix_problem(prefix).has_value()) {
        return luaL_error(lua, "deid.hash_id: a prefix of at most %d characters, without '\\' or control characters",
                          static_cast<int>(stdlib::kLongestIdPrefix));
    }
    if (length < stdlib::kShortestId || length > stdlib::kLongestId) {
        return luaL_error(lua, "deid.hash_id: a length from %d to %d characters", stdlib::kShortestId,
                          stdlib::kLongestId);
    }
    const std::string_view key = key_for(lua, "deid.hash_id");
    lua_pushstring(lua, stdlib::hash_id(std::string_view(value, size), prefix, static_cast<int>(length), key).c_str());
    return 1;
}

int deid_date_offset(lua_State* lua) {
    const char* patient_id = luaL_checkstring(lua, 1);
    const char* issuer = luaL_optstring(lua, 2, "");
    stdlib::DayRange range;
    if (const char* text = luaL_optstring(lua, 3, nullptr); text != nullptr) {
        const auto parsed = stdlib::parse_day_range(text);
        if (!parsed) {
            return luaL_error(lua, "deid.date_offset: '%s' is no range of days FIRST..LAST on one side of 0 (-365..-1)",
                              text);
        }
        range = *parsed;
    }
    const std::string_view key = key_for(lua, "deid.date_offset");
    lua_pushinteger(lua, stdlib::date_offset(patient_id, issuer, range, key));
    return 1;
}

int deid_csv(lua_State* lua) {
    const std::filesystem::path path = luaL_checkstring(lua, 1);
    const char* key_column = luaL_optstring(lua, 2, nullptr);
    const char* value_column = luaL_optstring(lua, 3, nullptr);
    const auto& allowed = context_of(lua).data_files;
    std::error_code error;
    const bool permitted = std::any_of(allowed.begin(), allowed.end(), [&](const std::filesystem::path& file) {
        return std::filesystem::equivalent(file, path, error);
    });
    if (!permitted) {
        return luaL_error(lua, "deid.csv: '%s' was not given with --lua-data", path.c_str());
    }
    std::string problem;
    const auto table = read_mapping_csv(path, key_column ? key_column : "", value_column ? value_column : "", problem);
    if (!problem.empty()) {
        return luaL_error(lua, "deid.csv: %s", problem.c_str());
    }
    lua_createtable(lua, 0, static_cast<int>(table.size()));
    for (const auto& [key, value] : table) {
        lua_pushstring(lua, value.c_str());
        lua_setfield(lua, -2, key.c_str());
    }
    return 1;
}

// ---------------------------------------------------------- the dataset --

struct DatasetHandle {
    const DatasetView* dataset;
};

// dataset:get(name) by keyword or "(gggg,eeee)", top level; nil when absent.
std::optional<std::string> lookup(lua_State* lua) {
    const auto* handle = static_cast<DatasetHandle*>(luaL_checkudata(lua, 1, "deid.dataset"));
    const std::string wanted = luaL_checkstring(lua, 2);
    for (const auto& element : handle->dataset->elements()) {
        if (element.depth == 0 && (iequals(element.keyword, wanted) || iequals(element.path, wanted))) {
            return join_multi_value(handle->dataset->values(element.path).value_or(std::vector<std::string>{}));
        }
    }
    return std::nullopt;
}

int dataset_get(lua_State* lua) {
    const auto value = lookup(lua);
    if (value) {
        lua_pushstring(lua, value->c_str());
    } else {
        lua_pushnil(lua);
    }
    return 1;
}

int dataset_has(lua_State* lua) {
    lua_pushboolean(lua, lookup(lua).has_value() ? 1 : 0);
    return 1;
}

// A read-only view of `data` (at -1): an empty proxy whose reads go to it.
void push_read_only(lua_State* lua) {
    lua_newtable(lua);             // proxy
    lua_createtable(lua, 0, 3);    // metatable
    lua_pushvalue(lua, -3);
    lua_setfield(lua, -2, "__index");
    lua_pushcfunction(lua, refuse_write);
    lua_setfield(lua, -2, "__newindex");
    lua_pushboolean(lua, 0);
    lua_setfield(lua, -2, "__metatable");
    lua_setmetatable(lua, -2);
    lua_remove(lua, -2);           // leave only the proxy
}

// What invoke() needs, made before the protected call: no C++ object may
// be made or destroyed in a function Lua may leave by longjmp.
struct PreparedCall {
    const UserFunctionCall* call = nullptr;
    const std::string* name = nullptr;
    const std::string* joined_value = nullptr;  // the values, joined with '\'
    const std::string* tag = nullptr;           // "(0010,0010)"
    bool found = false;                         // the function exists
    std::array<char, LUA_IDSIZE + 24> defined_at{};
};

void push_field(lua_State* lua, const PreparedCall& prepared) {
    const UserFunctionCall& call = *prepared.call;
    const ElementInfo& e = call.element;
    lua_createtable(lua, 0, 8);
    if (call.element_absent) {
        lua_pushnil(lua);  // an element ADD is about to create
    } else {
        lua_pushlstring(lua, prepared.joined_value->data(), prepared.joined_value->size());
    }
    lua_setfield(lua, -2, "value");
    lua_createtable(lua, static_cast<int>(call.values.size()), 0);
    for (std::size_t i = 0; i < call.values.size(); ++i) {
        lua_pushlstring(lua, call.values[i].data(), call.values[i].size());
        lua_rawseti(lua, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setfield(lua, -2, "values");
    lua_pushlstring(lua, prepared.tag->data(), prepared.tag->size());
    lua_setfield(lua, -2, "tag");
    lua_pushstring(lua, e.keyword.c_str());
    lua_setfield(lua, -2, "keyword");
    lua_pushstring(lua, e.nested_name.c_str());
    lua_setfield(lua, -2, "name");
    lua_pushstring(lua, e.path.c_str());
    lua_setfield(lua, -2, "path");
    lua_pushstring(lua, e.vr.c_str());
    lua_setfield(lua, -2, "vr");
    if (!e.private_creator.empty()) {
        lua_pushstring(lua, e.private_creator.c_str());
        lua_setfield(lua, -2, "private_creator");
    }
    push_read_only(lua);
}

void push_variables(lua_State* lua, const UserFunctionCall& call) {
    lua_createtable(lua, 0, static_cast<int>(call.variables.size()));
    for (const auto& [name, value] : call.variables) {
        lua_pushlstring(lua, value.data(), value.size());
        lua_setfield(lua, -2, name.c_str());
    }
    push_read_only(lua);
}

void push_dataset(lua_State* lua, const DatasetView& dataset) {
    auto* handle = static_cast<DatasetHandle*>(lua_newuserdatauv(lua, sizeof(DatasetHandle), 0));
    handle->dataset = &dataset;
    luaL_setmetatable(lua, "deid.dataset");
}

// Leaves the function's result in a form C reads without allocating (so
// without a Lua error outside protection): a number as a string, an array
// as a new array of strings (anything else in it as "").
void make_result_readable(lua_State* lua) {
    if (lua_type(lua, -1) == LUA_TNUMBER) {
        lua_tolstring(lua, -1, nullptr);
        return;
    }
    if (lua_type(lua, -1) != LUA_TTABLE) {
        return;
    }
    const auto count = static_cast<lua_Integer>(lua_rawlen(lua, -1));
    lua_createtable(lua, static_cast<int>(std::min<lua_Integer>(count, INT_MAX)), 0);
    for (lua_Integer i = 1; i <= count; ++i) {
        lua_rawgeti(lua, -2, i);
        if (lua_type(lua, -1) == LUA_TNUMBER) {
            lua_tolstring(lua, -1, nullptr);
        }
        lua_rawseti(lua, -2, i);  // anything but a string fails the call (LuaHooks::call)
    }
    lua_remove(lua, -2);
}

// The protected body of a call: finds the function (a global, read raw),
// pushes its arguments, calls it.
int invoke_function(lua_State* lua) {
    auto& prepared = *static_cast<PreparedCall*>(lua_touserdata(lua, 1));
    lua_pushglobaltable(lua);
    lua_pushlstring(lua, prepared.name->data(), prepared.name->size());
    if (lua_rawget(lua, -2) != LUA_TFUNCTION) {
        return 0;
    }
    prepared.found = true;
    lua_Debug info{};
    lua_pushvalue(lua, -1);
    lua_getinfo(lua, ">S", &info);
    std::snprintf(prepared.defined_at.data(), prepared.defined_at.size(), "%s:%d", info.short_src, info.linedefined);
    push_field(lua, prepared);
    lua_pushlstring(lua, prepared.call->recipe_value.data(), prepared.call->recipe_value.size());
    push_variables(lua, *prepared.call);
    push_dataset(lua, prepared.call->dataset);
    lua_call(lua, 4, 1);
    make_result_readable(lua);
    return 1;
}

struct ScriptChunk {
    const std::string* text = nullptr;
    const char* name = nullptr;  // "@hooks.lua"
};

// The protected body of loading a script: compile it, run its top-level chunk.
int run_script(lua_State* lua) {
    const auto& chunk = *static_cast<const ScriptChunk*>(lua_touserdata(lua, 1));
    const int status = luaL_loadbufferx(lua, chunk.text->data(), chunk.text->size(), chunk.name, "t");
    if (status != LUA_OK) {
        CallLimits::of(lua).must_end(status);  // a memory error stops loading like any other
        return lua_error(lua);
    }
    lua_call(lua, 0, 0);
    return 0;
}

// The state's libraries, protected: making them may run out of memory.
int open_libraries(lua_State* lua) {
    auto* context = static_cast<LuaHooks::Context*>(lua_touserdata(lua, 1));
    open_sandbox_library(lua);

    static const luaL_Reg library[] = {{"log", deid_log},
                                       {"hmac_sha256", deid_hmac_sha256},
                                       {"uid_from", deid_uid_from},
                                       {"shift_date", deid_shift_date},
                                       {"hash_uid", deid_hash_uid},
                                       {"hash_id", deid_hash_id},
                                       {"date_offset", deid_date_offset},
                                       {"csv", deid_csv},
                                       {nullptr, nullptr}};
    luaL_newlibtable(lua, library);
    lua_pushlightuserdata(lua, context);
    luaL_setfuncs(lua, library, 1);
    lua_setglobal(lua, "deid");
    lua_pushlightuserdata(lua, context);
    lua_pushcclosure(lua, deid_log, 1);
    lua_setglobal(lua, "print");

    luaL_newmetatable(lua, "deid.dataset");
    static const luaL_Reg dataset_methods[] = {{"get", dataset_get}, {"has", dataset_has}, {nullptr, nullptr}};
    luaL_newlib(lua, dataset_methods);
    lua_setfield(lua, -2, "__index");
    lua_pushboolean(lua, 0);
    lua_setfield(lua, -2, "__metatable");
    lua_pop(lua, 1);
    return 0;
}

// An error value as text, without allocating in the state.
std::string error_text(lua_State* lua) {
    switch (lua_type(lua, -1)) {
        case LUA_TSTRING: return lua_tostring(lua, -1);
        case LUA_TNUMBER: {
            if (lua_isinteger(lua, -1) != 0) {
                return std::to_string(lua_tointeger(lua, -1));
            }
            std::array<char, 32> number{};
            std::snprintf(number.data(), number.size(), "%.14g", lua_tonumber(lua, -1));
            return number.data();
        }
        default: return "error";
    }
}

// "hooks.lua:7: message": a stop of the limits where it was noticed (or at
// `position`, the function's definition, when nothing more precise is
// known), else the script's error.
std::string failure_message(lua_State* lua, const CallLimits::Ending& ending, const std::string& position) {
    if (ending.stop == LuaStop::none) {
        return error_text(lua);
    }
    return (ending.position.empty() ? position : ending.position) + ": " + ending.description;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        throw LuaLoadError(path.string() + ": cannot read Lua script");
    }
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

}  // namespace

LuaHooks::LuaHooks(const std::vector<std::filesystem::path>& scripts,
                   const std::vector<std::filesystem::path>& data_files, LuaLimits limits, std::ostream& log,
                   std::string_view pseudonym_key)
    : limits_(std::make_unique<CallLimits>(limits)),
      context_(std::make_unique<Context>(Context{data_files, &log, std::string(pseudonym_key)})) {
    std::vector<std::string> texts;
    for (const auto& script : scripts) {
        texts.push_back(read_file(script));
    }
    lua_ = lua_newstate(CallLimits::allocate, limits_.get());
    if (lua_ == nullptr) {
        throw LuaLoadError("cannot create a Lua state within the memory limit");
    }
    CallLimits::attach(lua_, *limits_);
    auto fail = [this](const std::string& message) {
        lua_close(lua_);
        lua_ = nullptr;
        throw LuaLoadError(message);
    };
    if (const Run run = run_limited(open_libraries, context_.get()); run.status != LUA_OK) {
        fail("cannot open the Lua libraries: " + failure_message(lua_, run.ending, "lua"));
    }
    for (std::size_t i = 0; i < scripts.size(); ++i) {
        const std::filesystem::path& script = scripts[i];
        // Lua cuts source names past LUA_IDSIZE into "...tail"; a long path is
        // named by its file name instead, so messages stay "hooks.lua:7: ...".
        const std::string shown = script.string().size() < LUA_IDSIZE - 8 ? script.string() : script.filename().string();
        const std::string chunk_name = "@" + shown;
        ScriptChunk chunk{&texts[i], chunk_name.c_str()};
        if (const Run run = run_limited(run_script, &chunk); run.status != LUA_OK) {
            fail(failure_message(lua_, run.ending, shown));
        }
    }
}

LuaHooks::~LuaHooks() {
    if (lua_ != nullptr) {
        lua_close(lua_);
    }
}

LuaHooks::Run LuaHooks::run_limited(int (*body)(lua_State*), void* data) {
    lua_settop(lua_, 0);
    lua_pushcfunction(lua_, body);
    lua_pushlightuserdata(lua_, data);
    Run run;
    limits_->begin(lua_);
    run.status = lua_pcall(lua_, 1, 1, 0);
    run.ending = limits_->end(run.status);
    return run;
}

// Reads the globals with lua_next: no allocation, so no Lua error can
// happen here, outside any protected call.
bool LuaHooks::defines(std::string_view function) const {
    bool found = false;
    lua_pushglobaltable(lua_);
    lua_pushnil(lua_);
    while (!found && lua_next(lua_, -2) != 0) {
        std::size_t length = 0;
        const char* name = lua_type(lua_, -2) == LUA_TSTRING ? lua_tolstring(lua_, -2, &length) : nullptr;
        found = name != nullptr && std::string_view(name, length) == function && lua_type(lua_, -1) == LUA_TFUNCTION;
        lua_pop(lua_, found ? 2 : 1);
    }
    lua_pop(lua_, 1);
    return found;
}

std::set<std::string> LuaHooks::defined_functions() const {
    std::set<std::string> names;
    lua_pushglobaltable(lua_);
    lua_pushnil(lua_);
    while (lua_next(lua_, -2) != 0) {
        if (lua_type(lua_, -2) == LUA_TSTRING && lua_type(lua_, -1) == LUA_TFUNCTION) {
            names.insert(lua_tostring(lua_, -2));
        }
        lua_pop(lua_, 1);
    }
    lua_pop(lua_, 1);
    return names;
}

UserFunctionResult LuaHooks::call(const UserFunctionCall& call) {
    const std::string name(call.function);
    const std::string joined_value = join_multi_value(call.values);
    const std::string tag = tag_path_step(call.element.group, call.element.element);
    PreparedCall prepared{&call, &name, &joined_value, &tag};
    const Run run = run_limited(invoke_function, &prepared);
    if (run.status != LUA_OK) {
        const std::string message = failure_message(lua_, run.ending, prepared.defined_at.data());
        lua_settop(lua_, 0);
        lua_gc(lua_, LUA_GCCOLLECT);
        throw UserFunctionError(message + " in function " + name);
    }
    if (!prepared.found) {
        lua_settop(lua_, 0);
        throw UserFunctionError("func:" + name + " is not a function defined by the Lua scripts");
    }
    UserFunctionResult result = NoValue{};
    switch (lua_type(lua_, -1)) {
        case LUA_TNIL: break;
        case LUA_TBOOLEAN: result = lua_toboolean(lua_, -1) != 0; break;
        case LUA_TSTRING: result = split_multi_value(lua_tostring(lua_, -1)); break;
        case LUA_TTABLE: {
            std::vector<std::string> values;
            const auto count = static_cast<lua_Integer>(lua_rawlen(lua_, -1));
            for (lua_Integer i = 1; i <= count; ++i) {
                lua_rawgeti(lua_, -1, i);
                if (lua_type(lua_, -1) != LUA_TSTRING) {  // numbers were made strings by make_result_readable
                    const std::string type = luaL_typename(lua_, -1);
                    lua_settop(lua_, 0);
                    throw UserFunctionError(std::string(prepared.defined_at.data()) + ": func:" + name +
                                            " returned an array whose item " + std::to_string(i) + " is a " + type +
                                            "; expected strings or numbers");
                }
                std::size_t length = 0;
                const char* text = lua_tolstring(lua_, -1, &length);
                values.emplace_back(text, length);
                lua_pop(lua_, 1);
            }
            result = values;
            break;
        }
        default: {
            const std::string type = luaL_typename(lua_, -1);
            lua_settop(lua_, 0);
            throw UserFunctionError(std::string(prepared.defined_at.data()) + ": func:" + name + " returned a " + type +
                                    "; expected a string, number, array, boolean or nil");
        }
    }
    lua_settop(lua_, 0);
    return result;
}

}  // namespace deid
