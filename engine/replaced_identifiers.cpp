#include "engine/replaced_identifiers.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "support/strings.hpp"

namespace deid {
namespace {

struct Tracked {
    std::string_view keyword;
    std::string_view path;
};
constexpr std::array<Tracked, 4> kTracked = {{
    {"PatientID", "(0010,0020)"},
    {"PatientName", "(0010,0010)"},
    {"AccessionNumber", "(0008,0050)"},
    {"StudyID", "(0020,0010)"},
}};
constexpr std::string_view kIssuerOfPatientId = "(0010,0021)";

// Without DICOM's padding (a NUL after a UID, blanks after text).
std::string unpadded(std::string_view value) {
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) {
        value.remove_suffix(1);
    }
    return std::string(trim(value));
}

std::string value_at(const DatasetView& dataset, std::string_view path) {
    const auto values = dataset.values(path);
    return values ? unpadded(join_multi_value(*values)) : std::string();
}

}  // namespace

IdentifierSnapshot take_identifier_snapshot(const DatasetView& dataset) {
    IdentifierSnapshot snapshot;
    for (const auto& tracked : kTracked) {
        snapshot.identifiers.emplace(tracked.keyword, value_at(dataset, tracked.path));
    }
    snapshot.issuer_of_patient_id = value_at(dataset, kIssuerOfPatientId);
    for (const auto& element : dataset.elements()) {
        if (element.vr == "UI") {
            if (auto values = dataset.values(element.path)) {
                snapshot.uids.emplace(element.path, std::move(*values));
            }
        }
    }
    return snapshot;
}

std::vector<CrosswalkPseudonym> replaced_identifiers(const IdentifierSnapshot& before, const DatasetView& after,
                                                     const stdlib::PseudonymReport& report) {
    std::vector<CrosswalkPseudonym> replaced;
    const std::string& patient_id = before.identifiers.at("PatientID");
    for (const auto& tracked : kTracked) {
        const std::string& original = before.identifiers.at(std::string(tracked.keyword));
        const std::string now = value_at(after, tracked.path);
        if (!original.empty() && !now.empty() && now != original) {
            replaced.push_back({std::string(tracked.keyword), original,
                                tracked.keyword == "PatientID" ? before.issuer_of_patient_id : "", now});
        }
    }
    std::set<std::pair<std::string, std::string>> uids;  // each mapping once per file
    for (const auto& [path, originals] : before.uids) {
        const auto values = after.values(path);
        if (!values) {
            continue;
        }
        for (std::size_t i = 0; i < std::min(originals.size(), values->size()); ++i) {
            std::string original = unpadded(originals[i]);
            std::string now = unpadded((*values)[i]);
            if (!original.empty() && !now.empty() && now != original) {
                uids.emplace(std::move(original), std::move(now));
            }
        }
    }
    for (const auto& [original, now] : uids) {
        replaced.push_back({"UID", original, "", now});
    }
    if (report.date_offset) {
        replaced.push_back({"DateOffset", patient_id, before.issuer_of_patient_id, std::to_string(*report.date_offset)});
    }
    return replaced;
}

}  // namespace deid
