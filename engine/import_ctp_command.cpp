#include "engine/import_ctp_command.hpp"

#include "ctp/ast_compare.hpp"
#include "ctp/front_end.hpp"
#include "ctp/recipe_writer.hpp"
#include "engine/rules_file.hpp"
#include "engine/run_gate.hpp"
#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {
namespace {

std::string header_comment(const ImportCtpOptions& options) {
    std::string files;
    for (const auto& script : options.scripts) {
        files += (files.empty() ? "" : ", ") + script.string();
    }
    return "# Imported from RSNA CTP scripts by deid import-ctp" + std::string(options.keyed ? " --ctp-keyed" : "") +
           ": " + files +
           ".\n"
           "# Each action and LABEL follows a comment quoting the CTP line it came from. The deid_func:ctp_*\n"
           "# built-ins run CTP's own algorithms (README, \"Coming from CTP\"), so this recipe and the scripts\n"
           "# give the same output" +
           std::string(options.keyed ? "; the keyed pseudonyms (hash_uid, hash_id, shift_date) the same\n"
                                       "# only under the same key (--key-file).\n"
                                     : ".\n") +
           "FORMAT dicom\n";
}

// Writes `text` to `path` under a temporary name, synced, then renamed.
std::optional<std::string> write_atomically(FileSystem& files, const std::filesystem::path& path, const std::string& text,
                                            bool overwrite) {
    auto opened = open_staged(path, files, overwrite);
    if (const auto* failure = std::get_if<WriteFailure>(&opened)) {
        return failure->message;
    }
    auto& staged = std::get<StagedFile>(opened);
    if (const auto error = staged.file->write(text.data(), text.size())) {
        return abandon(staged, "cannot write " + path.string() + ": " + error.message()).message;
    }
    if (auto failure = sync_and_publish(staged, /*sync=*/true)) {
        if (failure->kind == WriteFailure::Kind::exists) {
            failure->message += " (use --overwrite to replace it)";
        }
        return failure->message;
    }
    return std::nullopt;
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code error;
    return std::filesystem::exists(a, error) && std::filesystem::exists(b, error) && std::filesystem::equivalent(a, b, error);
}

}  // namespace

int run_import_ctp(const ImportCtpOptions& options, const ElementDictionary& dictionary, std::ostream& out,
                   std::ostream& err) {
    for (const auto& script : options.scripts) {
        if (same_file(script, options.output)) {
            err << "deid import-ctp: error: " << options.output.string() << " is one of the scripts; it is never overwritten\n";
            return kExitRecipeError;
        }
    }
    Diagnostics diagnostics;
    std::vector<ast::Recipe> translated;
    std::string text = header_comment(options);
    for (const auto& script : options.scripts) {
        const auto source = read_rules_text(script, diagnostics);
        if (!source) {
            continue;
        }
        const auto kind = ctp::detect_script_kind(*source);
        translated.push_back(ctp::translate_script(*source, script.string(), kind, dictionary, {options.keyed}, diagnostics));
        if (kind) {
            text += "\n# " + script.string() + ": CTP " + std::string(ctp::to_string(*kind)) + " script\n";
            text += ctp::write_sections(translated.back(), *source);
        }
    }
    const ast::CombinedRecipe combined = ast::combine(translated, diagnostics);
    (void)resolve(combined, dictionary, {}, diagnostics);
    diagnostics.sort_by_location();
    for (const auto& diagnostic : diagnostics.all()) {
        if (diagnostic.severity != Severity::note) {
            err << format_text(diagnostic) << '\n';
        }
    }
    if (diagnostics.has_errors()) {
        err << "deid import-ctp: " << diagnostics.error_count() << " error(s); nothing was written\n";
        return kExitRecipeError;
    }
    // The recipe must read back into the rules the scripts compiled into.
    Diagnostics reread;
    const ast::Recipe written = grammar::parse_recipe_text(text, options.output.string(), reread);
    if (reread.has_errors() || ctp::difference(combined, ast::combine({written}, reread))) {
        const auto what = ctp::difference(combined, ast::combine({written}, reread));
        err << "deid import-ctp: internal error: the recipe would not read back as the scripts ("
            << (what ? *what : format_text(reread.all().front())) << "); nothing was written\n";
        return kExitRecipeError;
    }
    FileSystem& files = options.file_system != nullptr ? *options.file_system : disk();
    if (const auto failure = write_atomically(files, options.output, text, options.overwrite)) {
        err << "deid import-ctp: error: " << *failure << '\n';
        return kExitRecipeError;
    }
    if (options.lua) {
        err << "deid import-ctp: note: no Lua written to " << options.lua->string()
            << ": every supported CTP function is a deid_func:ctp_* built-in, so the recipe needs no hooks\n";
    }
    out << "deid import-ctp: wrote " << options.output.string() << " (" << combined.actions.size() << " actions, "
        << [&] {
               std::size_t labels = 0;
               for (const auto& group : combined.filters) {
                   labels += group.labels.size();
               }
               return labels;
           }()
        << " LABELs)\n";
    return 0;
}

}  // namespace deid
