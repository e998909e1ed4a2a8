#include "interpreter/diagnostics/github_output.hpp"

namespace deid {
namespace {

std::string escape_data(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '%': out += "%25"; break;
            case '\r': out += "%0D"; break;
            case '\n': out += "%0A"; break;
            default: out += c;
        }
    }
    return out;
}

std::string escape_property(const std::string& text) {
    std::string out;
    for (const char c : escape_data(text)) {
        switch (c) {
            case ':': out += "%3A"; break;
            case ',': out += "%2C"; break;
            default: out += c;
        }
    }
    return out;
}

std::string_view command_of(Severity severity) {
    switch (severity) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "notice";
    }
    return "error";
}

}  // namespace

std::string format_github(const Diagnostic& diagnostic) {
    const SourceSpan& span = diagnostic.span;
    std::string line = "::" + std::string(command_of(diagnostic.severity)) + " file=" + escape_property(span.file);
    if (span.line > 0) {
        line += ",line=" + std::to_string(span.line) + ",col=" + std::to_string(span.column);
        if (span.end_column > span.column) {
            line += ",endColumn=" + std::to_string(span.end_column);
        }
    }
    line += ",title=" + escape_property("deid lint (" + diagnostic.code + ")");
    return line + "::" + escape_data(diagnostic.message);
}

}  // namespace deid
