#pragma once

// Which identifiers a run replaced in one file, original -> pseudonym, for
// the crosswalk: what the file held before the recipes compared with what
// it holds after them, whatever replaced it (a keyed built-in, var:, a Lua
// function). An identifier removed or emptied has no pseudonym and is not
// listed; nor is one left as it was.

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/crosswalk.hpp"
#include "interpreter/dataset/dataset_view.hpp"
#include "stdlib/builtin_context.hpp"

namespace deid {

struct IdentifierSnapshot {
    // Top-level PatientID, PatientName, AccessionNumber and StudyID, by keyword.
    std::unordered_map<std::string, std::string> identifiers;
    std::string issuer_of_patient_id;
    // Every UI element at any depth, file meta included, by path id.
    std::unordered_map<std::string, std::vector<std::string>> uids;
};

// Taken before any action.
IdentifierSnapshot take_identifier_snapshot(const DatasetView& dataset);

// After every action: each replaced identifier; every value of a replaced
// UID (kind UID, whatever element held it); and the patient's date offset
// when shift_date applied one (kind DateOffset, original the PatientID).
std::vector<CrosswalkPseudonym> replaced_identifiers(const IdentifierSnapshot& before, const DatasetView& after,
                                                     const stdlib::PseudonymReport& report);

}  // namespace deid
