#pragma once

#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// What the %header actions do together under the interaction rules of spec
// §3.5, judged from the recipe alone: actions that cannot have any effect
// (a KEEP protects the element, an earlier REMOVE already took it, a REPLACE
// or JITTER makes a REMOVE skip it) and removals of SOPInstanceUID or
// SOPClassUID that leave no valid DICOM instance behind.
void analyse_actions(const plan::Plan& plan, const ElementDictionary& dictionary, Diagnostics& diagnostics);

}  // namespace deid
