#include "engine/script_check.hpp"

#include "runtime/lua/lua_hooks.hpp"

namespace deid {

std::optional<std::set<std::string>> functions_defined_by(const std::vector<std::filesystem::path>& scripts,
                                                          const LuaLimits& limits, std::ostream& err) {
    try {
        return LuaHooks(scripts, {}, limits, err).defined_functions();
    } catch (const LuaLoadError& error) {
        err << error.what() << '\n';
        return std::nullopt;
    }
}

}  // namespace deid
