#pragma once

// The ctp_* built-ins: RSNA CTP's anonymizer functions as `deid_func:`
// values, each running CTP's own algorithm (interpreter.hpp). The CTP front
// end (ctp/) writes them; recipes may use them directly. Registered with
// the others in stdlib/builtins.cpp.

#include <optional>
#include <string>
#include <string_view>

#include "stdlib/builtins.hpp"

namespace deid::stdlib::ctp {

// One decide function per built-in, named after the CTP function.
std::optional<Decision> decide_hashuid(const BuiltinCall& call);
std::optional<Decision> decide_hash(const BuiltinCall& call);
std::optional<Decision> decide_hashname(const BuiltinCall& call);
std::optional<Decision> decide_hashptid(const BuiltinCall& call);
std::optional<Decision> decide_hashdate(const BuiltinCall& call);
std::optional<Decision> decide_incrementdate(const BuiltinCall& call);
std::optional<Decision> decide_modifydate(const BuiltinCall& call);
std::optional<Decision> decide_initials(const BuiltinCall& call);
std::optional<Decision> decide_lowercase(const BuiltinCall& call);
std::optional<Decision> decide_uppercase(const BuiltinCall& call);
std::optional<Decision> decide_round(const BuiltinCall& call);
std::optional<Decision> decide_truncate(const BuiltinCall& call);
std::optional<Decision> decide_contents(const BuiltinCall& call);
std::optional<Decision> decide_value(const BuiltinCall& call);
std::optional<Decision> decide_pathelement(const BuiltinCall& call);
std::optional<Decision> decide_date(const BuiltinCall& call);
std::optional<Decision> decide_time(const BuiltinCall& call);
std::optional<Decision> decide_require(const BuiltinCall& call);
std::optional<Decision> decide_append(const BuiltinCall& call);
std::optional<Decision> decide_blank(const BuiltinCall& call);
std::optional<Decision> decide_text(const BuiltinCall& call);
std::optional<Decision> decide_method_codes(const BuiltinCall& call);
std::optional<Decision> decide_quarantine(const BuiltinCall& call);
std::optional<Decision> decide_skip(const BuiltinCall& call);
std::optional<Decision> decide_script(const BuiltinCall& call);
// ctp_keyed_script: decide_script with deid's keyed pseudonyms for CTP's
// hashing and date functions (--ctp-keyed).
std::optional<Decision> decide_keyed_script(const BuiltinCall& call);

// The option checks lint runs (OptionSpec::problem): text options are
// percent-encoded; `script` holds a CTP script deid can run.
std::optional<std::string> percent_encoding_problem(std::string_view value);
std::optional<std::string> script_problem(std::string_view value);

}  // namespace deid::stdlib::ctp
