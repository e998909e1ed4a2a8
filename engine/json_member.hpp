#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "support/json_text.hpp"

namespace deid {

// `"key": value` as it appears `depth` levels deep in a document dumped with
// an indent of 2, so that commands can stream a large object member by
// member and still print what dump(2) of the whole would.
template <typename Json>
std::string json_member(std::string_view key, const Json& value, std::size_t depth) {
    const std::string indent(2 * depth, ' ');
    // A value that is no valid UTF-8 must not stop the output: such bytes
    // become U+FFFD here (file names, the keys, keep theirs: json_quote).
    std::string body = value.dump(2, ' ', false, Json::error_handler_t::replace);
    for (std::size_t at = body.find('\n'); at != std::string::npos; at = body.find('\n', at + 1 + indent.size())) {
        body.insert(at + 1, indent);
    }
    return indent + json_quote(key) + ": " + body;
}

}  // namespace deid
