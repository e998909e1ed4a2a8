// deid::api::compile: the public face of engine/compile.hpp.

#include <sstream>
#include <utility>
#include <variant>

#include "api/recipe_state.hpp"
#include "deid/deid.hpp"
#include "engine/compile.hpp"
#include "engine/pseudonym_key.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "runtime/lua/lua_hooks.hpp"

namespace deid::api {
namespace {

Severity public_severity(deid::Severity severity) {
    switch (severity) {
        case deid::Severity::error: return Severity::error;
        case deid::Severity::warning: return Severity::warning;
        case deid::Severity::note: return Severity::note;
    }
    return Severity::error;
}

Diagnostic public_diagnostic(const deid::Diagnostic& diagnostic) {
    return {public_severity(diagnostic.severity), diagnostic.span.file, diagnostic.span.line, diagnostic.span.column,
            diagnostic.code, diagnostic.message};
}

// The profile to run: the one named, else basic when nothing else is (the
// safe path is the default one, as for `deid put`).
std::optional<Profile> chosen_profile(const CompileOptions& options) {
    if (!options.profile.empty()) {
        if (options.default_recipe) {
            throw Error(Error::Kind::setup, "the profile and the bundled default are two different header recipes; "
                                            "choose one");
        }
        auto parsed = parse_profile(options.profile);
        if (const auto* problem = std::get_if<std::string>(&parsed)) {
            throw Error(Error::Kind::setup, *problem);
        }
        return std::get<Profile>(std::move(parsed));
    }
    if (!options.default_recipe && options.recipe_files.empty() && options.recipe_texts.empty()) {
        return Profile{};
    }
    return std::nullopt;
}

const ElementDictionary& dictionary() {
    try {
        return standard_dictionary();
    } catch (const std::exception& error) {
        throw Error(Error::Kind::setup, error.what());
    }
}

}  // namespace

Compilation compile(const CompileOptions& options) {
    std::optional<Profile> profile = chosen_profile(options);
    if (profile) {
        profile->clean_pixels = options.clean_pixels;
    }
    std::optional<PseudonymKey> key;
    if (options.key_file) {
        auto read = PseudonymKey::read(*options.key_file);
        if (const auto* problem = std::get_if<std::string>(&read)) {
            throw Error(Error::Kind::setup, *problem);
        }
        key.emplace(std::get<PseudonymKey>(std::move(read)));
    }
    const LuaLimits limits{options.lua_memory_bytes, options.lua_instructions, options.lua_seconds};
    Compilation compilation;
    ResolveOptions resolve_options;
    if (!options.lua_scripts.empty()) {
        // Loaded once here only to learn which functions they define; every
        // Applier loads its own state.
        std::ostringstream ignored_log;
        try {
            const LuaHooks hooks(options.lua_scripts, options.lua_data, limits, ignored_log);
            resolve_options.user_functions = hooks.defined_functions();
        } catch (const LuaLoadError& error) {
            compilation.diagnostics.push_back({Severity::error, "", 0, 0, "lua-load", error.what()});
            return compilation;
        }
    }
    std::vector<deid::RecipeText> texts;
    for (const auto& recipe : options.recipe_texts) {
        texts.push_back({recipe.name, recipe.text});
    }
    const ElementDictionary& elements = dictionary();
    Compiled compiled = deid::compile({options.recipe_files, options.default_recipe, resolve_options,
                                       profile ? profile_recipes(*profile) : std::vector<std::string>{},
                                       std::nullopt, std::move(texts)},
                                      elements);
    for (const auto& diagnostic : compiled.diagnostics.all()) {
        compilation.diagnostics.push_back(public_diagnostic(diagnostic));
    }
    if (compiled.diagnostics.has_errors() && !options.force) {
        return compilation;
    }
    auto state = std::make_shared<Recipe::State>();
    state->plan = std::move(compiled.plan);
    if (profile && options.clean_pixels) {
        add_default_filters(state->plan, elements);  // the profiles have no %filter of their own
    }
    state->profile = std::move(profile);
    state->evaluation.remove_private = options.remove_private;
    state->evaluation.strip_sequences = options.strip_sequences;
    state->lua_scripts = options.lua_scripts;
    state->lua_data = options.lua_data;
    state->lua_limits = limits;
    state->clean_pixels = options.clean_pixels;
    state->needs_file_context = needs_identifying_values(state->plan);
    state->date_shift_days = run_date_shift();
    if (!key && needs_pseudonym_key(state->plan)) {
        compilation.diagnostics.push_back(
            {Severity::warning, "", 0, 0, "no-key",
             "no pseudonym key (CompileOptions::key_file): the keyed built-ins (deid_func:hash_uid, hash_id, "
             "shift_date) give empty values"});
    }
    state->key = std::move(key);
    compilation.recipe.emplace(std::move(state));
    return compilation;
}

Recipe::Recipe(std::shared_ptr<const State> state) : state_(std::move(state)) {}

bool Recipe::uses_profile() const { return state_->profile.has_value(); }

}  // namespace deid::api
