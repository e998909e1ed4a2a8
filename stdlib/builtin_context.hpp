#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/builtins.hpp"
#include "stdlib/identifying_text.hpp"
#include "stdlib/values_before.hpp"

namespace deid::stdlib {

// What the keyed built-ins tell the caller about a file, for the crosswalk
// (the only state a built-in writes; one per file).
struct PseudonymReport {
    // The patient's date offset, once `shift_date` applied it.
    std::optional<std::int64_t> date_offset;
};

// What a run and a file give the built-ins beyond the element they compute
// a value for. The profile's built-ins need it: an option's action runs
// after the basic profile has already blanked or replaced the element, so
// `clean_text` and `shift_date` read the value it had before any action,
// and `clean_text` removes the identifying values found elsewhere in the
// same file. The caller builds it per file; pointers may be null.
struct BuiltinContext {
    // The run's pseudonym key (stdlib/pseudonyms.hpp): `hash_uid`, `hash_id`
    // and `shift_date` are derived from it, and `consistent_uid` too once
    // there is one. Empty for runs without a key.
    std::string_view pseudonym_key;
    // The patient the file belongs to, before any action: its PatientID and
    // IssuerOfPatientID (top level). The date offset is the patient's, and
    // so is the pseudonym of the top-level PatientID.
    std::string_view patient_id;
    std::string_view issuer_of_patient_id;
    // Without a key: the run's date shift for `shift_date`, in days (never 0
    // in a run).
    std::int64_t date_shift_days = 0;
    PseudonymReport* report = nullptr;
    // The values before any action, for built-ins that read them
    // (needs_file_context): the evaluator gives them.
    const ValuesBeforeActions* values_before = nullptr;
    // The file's identifying values, as `clean_text` removes them.
    const std::vector<IdentifyingToken>* identifying = nullptr;
};

// The value the element had before any action of the run (an earlier action
// may have blanked it): as recorded, else the value it has now.
std::string value_before_actions(const BuiltinCall& call);

// The item a path id's element stands in, as the start of its siblings'
// path ids: "(0008,1115)__0__" for "(0008,1115)__0__(0020,000E)", "" at the
// top level.
std::string item_prefix(std::string_view path);

// The path of the element a built-in reads: the one its `of` option names
// (a tag "(GGGG,EEEE)", in the item of the call's element), else its own.
std::string path_read_by(const BuiltinCall& call);

// The value before any action of the element the built-in reads (its own,
// or `of`'s); nullopt when that element did not exist.
std::optional<std::string> value_read_by(const BuiltinCall& call);

}  // namespace deid::stdlib
