#pragma once

#include <string>

#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid {

// One GitHub Actions workflow command per finding, which the checks page
// shows as an annotation on the recipe line:
//   ::error file=deid.dicom,line=12,col=8,endColumn=19,title=deid lint (unknown-keyword)::message
// Notes become ::notice. Values are escaped as the runner expects
// (%, CR, LF; and ':' ',' in properties).
std::string format_github(const Diagnostic& diagnostic);

}  // namespace deid
