#include "stdlib/builtin_context.hpp"

namespace deid::stdlib {

std::string value_before_actions(const BuiltinCall& call) {
    if (call.context != nullptr && call.context->values_before != nullptr && !call.path.empty()) {
        if (const auto* before = call.context->values_before->recorded(std::string(call.path))) {
            return before->value_or("");
        }
    }
    return std::string(call.original);
}

std::string item_prefix(std::string_view path) {
    const auto last = path.rfind("__");
    return last == std::string_view::npos ? std::string() : std::string(path.substr(0, last + 2));
}

std::string path_read_by(const BuiltinCall& call) {
    const auto of = call.options.find("of");
    if (of == call.options.end()) {
        return std::string(call.path);
    }
    return item_prefix(call.path) + of->second;
}

std::optional<std::string> value_read_by(const BuiltinCall& call) {
    const std::string path = path_read_by(call);
    if (path == call.path && !call.element_absent) {
        return value_before_actions(call);
    }
    if (call.context == nullptr || call.context->values_before == nullptr || path.empty()) {
        return std::nullopt;
    }
    return call.context->values_before->value(path);
}

}  // namespace deid::stdlib
