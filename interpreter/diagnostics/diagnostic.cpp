#include "interpreter/diagnostics/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace deid {

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "note";
    }
    return "error";
}

void Diagnostics::error(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::error, span, std::move(code), std::move(message)});
}

void Diagnostics::warning(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::warning, span, std::move(code), std::move(message)});
}

void Diagnostics::note(const SourceSpan& span, std::string code, std::string message) {
    add({Severity::note, span, std::move(code), std::move(message)});
}

void Diagnostics::add(Diagnostic diagnostic) {
    if (diagnostic.severity == Severity::error) {
        ++error_count_;
    }
    items_.push_back(std::move(diagnostic));
}

std::size_t Diagnostics::warning_count() const {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
        return d.severity == Severity::warning;
    }));
}

void Diagnostics::sort_by_location() {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.span.file, a.span.line, a.span.column) <
               std::tie(b.span.file, b.span.line, b.span.column);
    });
}

std::string format_text(const Diagnostic& diagnostic) {
    std::string out = diagnostic.span.file;
    out += ':';
    out += std::to_string(diagnostic.span.line);
    out += ':';
    out += std::to_string(diagnostic.span.column);
    out += ": ";
    out += to_string(diagnostic.severity);
    out += ": ";
    out += diagnostic.message;
    return out;
}

}  // namespace deid
