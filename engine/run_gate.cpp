#include "engine/run_gate.hpp"

namespace deid {

std::optional<plan::Plan> compile_for_run(const CompileRequest& request, const ElementDictionary& dictionary,
                                          bool force, std::ostream& messages) {
    Compiled compiled = compile(request, dictionary);
    for (const auto& diagnostic : compiled.diagnostics.all()) {
        // Notes say where older tools read the recipe differently: `deid
        // lint` shows them; a run would repeat them on every invocation.
        if (diagnostic.severity != Severity::note) {
            messages << format_text(diagnostic) << '\n';
        }
    }
    if (compiled.diagnostics.has_errors()) {
        if (!force) {
            messages << "deid: the recipe has " << compiled.diagnostics.error_count()
                     << " error(s); nothing was processed (fix them, or run with --force)\n";
            return std::nullopt;
        }
        messages << "deid: --force: running despite " << compiled.diagnostics.error_count()
                 << " recipe error(s); the actions that did not bind are skipped\n";
    }
    return std::move(compiled.plan);
}

}  // namespace deid
