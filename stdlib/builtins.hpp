#pragma once

// The `deid_func:` built-ins, registered in one place (builtins.cpp): the
// resolver looks names and options up here, so a recipe that names an
// unknown built-in or option is refused before any file is touched.

#include <span>
#include <string_view>
#include <vector>

namespace deid::stdlib {

enum class OptionType { integer, boolean, text };

struct OptionSpec {
    std::string_view name;
    OptionType type = OptionType::text;
};

struct Builtin {
    std::string_view name;
    std::string_view summary;
    std::vector<OptionSpec> options;
};

[[nodiscard]] const std::vector<Builtin>& builtins();
[[nodiscard]] const Builtin* find_builtin(std::string_view name);
[[nodiscard]] const OptionSpec* find_option(const Builtin& builtin, std::string_view option);

}  // namespace deid::stdlib
