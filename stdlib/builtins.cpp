#include "stdlib/builtins.hpp"

#include <algorithm>

namespace deid::stdlib {

const std::vector<Builtin>& builtins() {
    static const std::vector<Builtin> registry = {
        {"jitter", "shift a date or datetime by days + 365*years", {{"days", OptionType::integer}, {"years", OptionType::integer}}},
        {"simple_uuid", "a random UUID4 string", {}},
        {"suffix_uuid", "<lower-cased field name>-<uuid4>", {}},
        {"dicom_uuid", "org_root + '.' + a random 128-bit number, cut to 64 characters", {{"org_root", OptionType::text}}},
        {"pydicom_uuid",
         "a DICOM UID under prefix; with stable_remapping the same input UID always gives the same output",
         {{"prefix", OptionType::text}, {"stable_remapping", OptionType::boolean}}},
    };
    return registry;
}

const Builtin* find_builtin(std::string_view name) {
    const auto& all = builtins();
    const auto found = std::find_if(all.begin(), all.end(), [&](const Builtin& b) { return b.name == name; });
    return found == all.end() ? nullptr : &*found;
}

const OptionSpec* find_option(const Builtin& builtin, std::string_view option) {
    const auto found = std::find_if(builtin.options.begin(), builtin.options.end(),
                                    [&](const OptionSpec& spec) { return spec.name == option; });
    return found == builtin.options.end() ? nullptr : &*found;
}

}  // namespace deid::stdlib
