// The value types of the public API: how they print, and the error.

#include <string>

#include "deid/deid.hpp"

namespace deid::api {

std::string_view version() { return DEID_VERSION; }

std::string Diagnostic::text() const {
    std::string out;
    if (!file.empty()) {
        out = file;
        if (line > 0) {  // line 0: about the whole file
            out += ':' + std::to_string(line) + ':' + std::to_string(column);
        }
        out += ": ";
    }
    switch (severity) {
        case Severity::error: out += "error: "; break;
        case Severity::warning: out += "warning: "; break;
        case Severity::note: out += "note: "; break;
    }
    return out + message;
}

std::string Warning::text() const {
    std::string out = path.empty() ? message : path + ": " + message;
    if (!recipe_file.empty()) {
        out += " (" + recipe_file + (recipe_line > 0 ? ":" + std::to_string(recipe_line) : "") + ")";
    }
    return out;
}

Error::Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

// Out of line: the class's type information lives in the library, so a
// host catches the same type the library throws.
Error::~Error() = default;

}  // namespace deid::api
