#include "runtime/lua/lua_hooks.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <lua.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "runtime/lua/csv.hpp"
#include "stdlib/date_shift.hpp"
#include "stdlib/uids.hpp"
#include "support/strings.hpp"

namespace deid {

struct LuaHooks::Context {
    LuaLimits limits;
    std::size_t memory_used = 0;
    std::uint64_t instructions_used = 0;
    std::vector<std::filesystem::path> data_files;
    std::ostream* log = nullptr;
};

namespace {

constexpr int kHookEvery = 1000;

LuaHooks::Context& context_of(lua_State* lua) { return **static_cast<LuaHooks::Context**>(lua_getextraspace(lua)); }

// Counts every byte Lua holds; refusing an allocation makes Lua raise its
// out-of-memory error, which ends the call.
void* allocate(void* user, void* block, std::size_t old_size, std::size_t new_size) {
    auto& context = *static_cast<LuaHooks::Context*>(user);
    const std::size_t old_bytes = block != nullptr ? old_size : 0;
    if (new_size == 0) {
        context.memory_used -= old_bytes;
        std::free(block);
        return nullptr;
    }
    if (new_size > old_bytes && context.memory_used + (new_size - old_bytes) > context.limits.memory_bytes) {
        return nullptr;
    }
    void* grown = std::realloc(block, new_size);
    if (grown != nullptr) {
        context.memory_used = context.memory_used - old_bytes + new_size;
    }
    return grown;
}

void count_instructions(lua_State* lua, lua_Debug* where) {
    auto& context = context_of(lua);
    context.instructions_used += kHookEvery;
    if (context.instructions_used > context.limits.instructions) {
        // luaL_error finds no position inside a hook; the hook's record has it.
        lua_getinfo(lua, "Sl", where);
        luaL_error(lua, "%s:%d: instruction budget of %d exceeded (a loop that never ends?)", where->short_src,
                   where->currentline, static_cast<int>(context.limits.instructions));
    }
}

// load(chunk [, chunkname [, mode [, env]]]) for text chunks only: no
// precompiled bytecode can enter the sandbox.
int text_only_load(lua_State* lua) {
    std::size_t length = 0;
    const char* chunk = luaL_checklstring(lua, 1, &length);
    const char* name = luaL_optstring(lua, 2, "=(load)");
    const int has_env = !lua_isnone(lua, 4);
    if (luaL_loadbufferx(lua, chunk, length, name, "t") != LUA_OK) {
        lua_pushnil(lua);
        lua_insert(lua, -2);
        return 2;
    }
    if (has_env) {
        lua_pushvalue(lua, 4);
        if (lua_setupvalue(lua, -2, 1) == nullptr) {
            lua_pop(lua, 1);
        }
    }
    return 1;
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

void push_field(lua_State* lua, const UserFunctionCall& call) {
    const ElementInfo& e = call.element;
    lua_createtable(lua, 0, 8);
    if (call.element_absent) {
        lua_pushnil(lua);  // an element ADD is about to create
    } else {
        lua_pushstring(lua, join_multi_value(call.values).c_str());
    }
    lua_setfield(lua, -2, "value");
    lua_createtable(lua, static_cast<int>(call.values.size()), 0);
    for (std::size_t i = 0; i < call.values.size(); ++i) {
        lua_pushstring(lua, call.values[i].c_str());
        lua_rawseti(lua, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setfield(lua, -2, "values");
    lua_pushstring(lua, tag_path_step(e.group, e.element).c_str());
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
        lua_pushstring(lua, value.c_str());
        lua_setfield(lua, -2, name.c_str());
    }
    push_read_only(lua);
}

void push_dataset(lua_State* lua, const DatasetView& dataset) {
    auto* handle = static_cast<DatasetHandle*>(lua_newuserdatauv(lua, sizeof(DatasetHandle), 0));
    handle->dataset = &dataset;
    luaL_setmetatable(lua, "deid.dataset");
}

// The function's own position, for errors Lua gives none for (out of memory).
std::string defined_at(lua_State* lua, int function_index) {
    lua_Debug info{};
    lua_pushvalue(lua, function_index);
    lua_getinfo(lua, ">S", &info);
    return std::string(info.short_src) + ":" + std::to_string(info.linedefined);
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
                   const std::vector<std::filesystem::path>& data_files, LuaLimits limits, std::ostream& log)
    : context_(std::make_unique<Context>(Context{limits, 0, 0, data_files, &log})) {
    lua_ = lua_newstate(allocate, context_.get());
    if (lua_ == nullptr) {
        throw LuaLoadError("cannot create a Lua state within the memory limit");
    }
    *static_cast<Context**>(lua_getextraspace(lua_)) = context_.get();
    lua_sethook(lua_, count_instructions, LUA_MASKCOUNT, kHookEvery);

    static const luaL_Reg allowed_libraries[] = {{LUA_GNAME, luaopen_base},          {LUA_STRLIBNAME, luaopen_string},
                                                 {LUA_TABLIBNAME, luaopen_table},    {LUA_MATHLIBNAME, luaopen_math},
                                                 {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (const auto& library : allowed_libraries) {
        luaL_requiref(lua_, library.name, library.func, 1);
        lua_pop(lua_, 1);
    }
    for (const char* removed : {"dofile", "loadfile", "collectgarbage"}) {
        lua_pushnil(lua_);
        lua_setglobal(lua_, removed);
    }
    lua_pushcfunction(lua_, text_only_load);
    lua_setglobal(lua_, "load");
    lua_getglobal(lua_, LUA_STRLIBNAME);
    lua_pushnil(lua_);
    lua_setfield(lua_, -2, "dump");  // bytecode has no use in the sandbox
    lua_pop(lua_, 1);

    static const luaL_Reg library[] = {{"log", deid_log},           {"hmac_sha256", deid_hmac_sha256},
                                       {"uid_from", deid_uid_from}, {"shift_date", deid_shift_date},
                                       {"csv", deid_csv},           {nullptr, nullptr}};
    luaL_newlib(lua_, library);
    lua_setglobal(lua_, "deid");
    lua_pushcfunction(lua_, deid_log);
    lua_setglobal(lua_, "print");

    luaL_newmetatable(lua_, "deid.dataset");
    static const luaL_Reg dataset_methods[] = {{"get", dataset_get}, {"has", dataset_has}, {nullptr, nullptr}};
    luaL_newlib(lua_, dataset_methods);
    lua_setfield(lua_, -2, "__index");
    lua_pushboolean(lua_, 0);
    lua_setfield(lua_, -2, "__metatable");
    lua_pop(lua_, 1);

    for (const auto& script : scripts) {
        const std::string text = read_file(script);
        // Lua cuts source names past LUA_IDSIZE into "...tail"; a long path is
        // named by its file name instead, so messages stay "hooks.lua:7: ...".
        const std::string shown = script.string().size() < LUA_IDSIZE - 8 ? script.string() : script.filename().string();
        const std::string chunk_name = "@" + shown;
        context_->instructions_used = 0;
        if (luaL_loadbufferx(lua_, text.data(), text.size(), chunk_name.c_str(), "t") != LUA_OK ||
            lua_pcall(lua_, 0, 0, 0) != LUA_OK) {
            std::string message = lua_tostring(lua_, -1) ? lua_tostring(lua_, -1) : "error";
            lua_close(lua_);
            lua_ = nullptr;
            throw LuaLoadError(message);
        }
    }
}

LuaHooks::~LuaHooks() {
    if (lua_ != nullptr) {
        lua_close(lua_);
    }
}

bool LuaHooks::defines(std::string_view function) const {
    lua_getglobal(lua_, std::string(function).c_str());
    const bool is_function = lua_isfunction(lua_, -1);
    lua_pop(lua_, 1);
    return is_function;
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
    lua_settop(lua_, 0);
    const std::string name(call.function);
    lua_getglobal(lua_, name.c_str());
    if (!lua_isfunction(lua_, -1)) {
        lua_settop(lua_, 0);
        throw UserFunctionError("func:" + name + " is not a function defined by the Lua scripts");
    }
    const std::string where = defined_at(lua_, 1);
    lua_settop(lua_, 1);
    push_field(lua_, call);
    lua_pushlstring(lua_, call.recipe_value.data(), call.recipe_value.size());
    push_variables(lua_, call);
    push_dataset(lua_, call.dataset);
    context_->instructions_used = 0;
    const int status = lua_pcall(lua_, 4, 1, 0);
    if (status != LUA_OK) {
        std::string message = lua_tostring(lua_, -1) ? lua_tostring(lua_, -1) : "error";
        if (status == LUA_ERRMEM) {
            message = where + ": not enough memory: the Lua memory limit of " +
                      std::to_string(context_->limits.memory_bytes >> 20U) + " MiB was reached";
        }
        lua_settop(lua_, 0);
        lua_gc(lua_, LUA_GCCOLLECT);
        throw UserFunctionError(message + " in function " + name);
    }
    UserFunctionResult result = NoValue{};
    switch (lua_type(lua_, -1)) {
        case LUA_TNIL: break;
        case LUA_TBOOLEAN: result = lua_toboolean(lua_, -1) != 0; break;
        case LUA_TNUMBER:
        case LUA_TSTRING: result = split_multi_value(lua_tostring(lua_, -1)); break;
        case LUA_TTABLE: {
            std::vector<std::string> values;
            const lua_Integer count = static_cast<lua_Integer>(lua_rawlen(lua_, -1));
            for (lua_Integer i = 1; i <= count; ++i) {
                lua_rawgeti(lua_, -1, i);
                const char* text = lua_tostring(lua_, -1);
                values.emplace_back(text != nullptr ? text : "");
                lua_pop(lua_, 1);
            }
            result = values;
            break;
        }
        default: {
            const std::string type = luaL_typename(lua_, -1);
            lua_settop(lua_, 0);
            throw UserFunctionError(where + ": func:" + name + " returned a " + type +
                                    "; expected a string, number, array, boolean or nil");
        }
    }
    lua_settop(lua_, 0);
    return result;
}

}  // namespace deid
