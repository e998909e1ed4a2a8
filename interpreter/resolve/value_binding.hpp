#pragma once

#include <functional>
#include <optional>
#include <string>

#include "interpreter/ast/ast.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"
#include "interpreter/resolve/resolver.hpp"

namespace deid {

// Binds the value of a %header action (built-ins looked up, options typed)
// and checks it against what the action and its field need (spec §3, §3.1,
// §3.6). `target` is the element when the field names exactly one.
// nullopt for an action without a value, or a value that cannot bind.
// `bind_element` binds a built-in's element option (a name or tag) to its
// tag text "(GGGG,EEEE)", reporting why not.
using ElementOptionBinder = std::function<std::optional<std::string>(const std::string& name, const SourceSpan& span)>;
std::optional<plan::ValueSource> bind_value(const ast::HeaderAction& action, const std::optional<DictionaryEntry>& target,
                                            const ResolveOptions& options, const ElementOptionBinder& bind_element,
                                            Diagnostics& diagnostics);

}  // namespace deid
