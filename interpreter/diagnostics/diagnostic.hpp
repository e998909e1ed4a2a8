#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "interpreter/ast/source_span.hpp"

namespace deid {

enum class Severity { error, warning, note };

std::string_view to_string(Severity severity);

// One finding about a recipe, in the shape of a compiler message:
//   deid.dicom:12:8: error: unknown DICOM keyword 'PatientsNme' (did you mean 'PatientName'?)
// `code` is a stable identifier (e.g. "unknown-keyword") for tools and tests.
struct Diagnostic {
    Severity severity = Severity::error;
    SourceSpan span;
    std::string code;
    std::string message;
};

// Collects diagnostics in the order they are found; every stage of the
// compiler reports here instead of throwing, so one run reports everything.
class Diagnostics {
public:
    void error(const SourceSpan& span, std::string code, std::string message);
    void warning(const SourceSpan& span, std::string code, std::string message);
    void note(const SourceSpan& span, std::string code, std::string message);
    void add(Diagnostic diagnostic);

    [[nodiscard]] const std::vector<Diagnostic>& all() const { return items_; }
    [[nodiscard]] bool has_errors() const { return error_count_ > 0; }
    [[nodiscard]] std::size_t error_count() const { return error_count_; }
    [[nodiscard]] std::size_t warning_count() const;

    // Stable order for output: by file, line, column, then order of discovery.
    void sort_by_location();

private:
    std::vector<Diagnostic> items_;
    std::size_t error_count_ = 0;
};

// "file:line:col: severity: message"
std::string format_text(const Diagnostic& diagnostic);

}  // namespace deid
