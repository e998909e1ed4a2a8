#include "engine/profiles.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "engine/compile.hpp"
#include "engine/identity.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "stdlib/profile_builtins.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::array<ProfileOptionInfo, 9> kOptions = {{
    {ProfileOption::retain_uids, "retain-uids", "113110", "Retain UIDs Option"},
    {ProfileOption::retain_device_identity, "retain-device-identity", "113109", "Retain Device Identity Option"},
    {ProfileOption::retain_institution_identity, "retain-institution-identity", "113112",
     "Retain Institution Identity Option"},
    {ProfileOption::retain_patient_characteristics, "retain-patient-characteristics", "113108",
     "Retain Patient Characteristics Option"},
    {ProfileOption::retain_long_full_dates, "retain-long-full-dates", "113106",
     "Retain Longitudinal Temporal Information Full Dates Option"},
    {ProfileOption::retain_long_modified_dates, "retain-long-modified-dates", "113107",
     "Retain Longitudinal Temporal Information Modified Dates Option"},
    {ProfileOption::clean_descriptors, "clean-descriptors", "113105", "Clean Descriptors Option"},
    {ProfileOption::clean_structured_content, "clean-structured-content", "113104", "Clean Structured Content Option"},
    {ProfileOption::clean_graphics, "clean-graphics", "113103", "Clean Graphics Option"},
}};

constexpr std::string_view kBasicCode = "113100";
constexpr std::string_view kBasicMeaning = "Basic Application Confidentiality Profile";
constexpr std::string_view kCleanPixelCode = "113101";
constexpr std::string_view kCleanPixelMeaning = "Clean Pixel Data Option";
constexpr std::string_view kKeyValuePrefix = "pseudonym key fingerprint ";

const ProfileOptionInfo& info_of(ProfileOption option) { return kOptions[static_cast<std::size_t>(option)]; }

std::vector<std::string> split_on_commas(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        parts.emplace_back(trim(text.substr(start, comma - start)));
        if (comma == std::string_view::npos) {
            return parts;
        }
        start = comma + 1;
    }
}

std::string option_list() {
    std::string names;
    for (const auto& option : kOptions) {
        names += (names.empty() ? "" : ", ") + std::string(option.flag);
    }
    return names;
}

// Days back, 1 to 10 years, from 8 bytes of a hash or of the system's CSPRNG.
std::int64_t shift_from(const unsigned char* bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value = (value << 8U) | bytes[i];
    }
    constexpr std::uint64_t kShortest = 365;
    constexpr std::uint64_t kLongest = 3650;
    return -static_cast<std::int64_t>(kShortest + value % (kLongest - kShortest + 1));
}

}  // namespace

std::span<const ProfileOptionInfo> profile_options() { return kOptions; }

bool Profile::has(ProfileOption option) const {
    return std::find(options.begin(), options.end(), option) != options.end();
}

std::variant<Profile, std::string> parse_profile(std::string_view text) {
    const auto parts = split_on_commas(text);
    if (parts.front() != "basic") {
        return "--profile starts with 'basic' (then options: " + option_list() + "), not '" + parts.front() + "'";
    }
    Profile profile;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const auto found = std::find_if(kOptions.begin(), kOptions.end(),
                                        [&](const ProfileOptionInfo& option) { return option.flag == parts[i]; });
        if (found == kOptions.end()) {
            if (parts[i] == "clean-pixels" || parts[i] == "clean-pixel-data") {
                return "the Clean Pixel Data option is --clean-pixels, not a --profile option";
            }
            if (parts[i] == "retain-safe-private") {
                return "retain-safe-private is not offered: deid has no honest source for the safe private "
                       "attributes (PS3.15 Table E.3.10-1); every private element is removed";
            }
            return "unknown --profile option '" + parts[i] + "' (options: " + option_list() + ")";
        }
        if (!profile.has(found->option)) {
            profile.options.push_back(found->option);
        }
    }
    if (profile.has(ProfileOption::retain_long_full_dates) && profile.has(ProfileOption::retain_long_modified_dates)) {
        return "retain-long-full-dates and retain-long-modified-dates exclude each other: dates are kept or "
               "shifted, not both";
    }
    std::sort(profile.options.begin(), profile.options.end());
    return profile;
}

std::string profile_text(const Profile& profile) {
    std::string text = "basic";
    for (const auto option : profile.options) {
        text += "," + std::string(info_of(option).flag);
    }
    return text;
}

std::vector<std::string> profile_recipes(const Profile& profile) {
    std::vector<std::string> names = {"deid.profile.basic"};
    for (const auto option : profile.options) {
        names.push_back("deid.profile." + std::string(info_of(option).flag));
    }
    names.emplace_back("deid.profile.pseudonyms");
    return names;
}

std::vector<std::pair<std::string_view, std::string_view>> method_codes(const Profile& profile) {
    std::vector<std::pair<std::string_view, std::string_view>> codes = {{kBasicCode, kBasicMeaning}};
    if (profile.clean_pixels) {
        codes.emplace_back(kCleanPixelCode, kCleanPixelMeaning);
    }
    for (const auto option : profile.options) {
        codes.emplace_back(info_of(option).code, info_of(option).meaning);
    }
    return codes;
}

std::vector<std::string> method_description(const Profile& profile, std::string_view key_fingerprint) {
    std::vector<std::string> values = {std::string("deid ") + DEID_VERSION};
    for (const auto& [code, meaning] : method_codes(profile)) {
        values.emplace_back(meaning);
    }
    if (!key_fingerprint.empty()) {
        values.push_back(method_key_value(key_fingerprint));
    }
    return values;
}

std::string method_key_value(std::string_view key_fingerprint) {
    return std::string(kKeyValuePrefix) + std::string(key_fingerprint);
}

std::string recorded_key_fingerprint(DcmFileFormat& file) {
    OFString joined;
    if (file.getDataset()->findAndGetOFStringArray(DCM_DeidentificationMethod, joined).bad()) {
        return "";
    }
    for (const auto& value : split_multi_value(joined.c_str())) {
        const std::string_view text = trim(value);
        if (text.starts_with(kKeyValuePrefix)) {
            return std::string(text.substr(kKeyValuePrefix.size()));
        }
    }
    return "";
}

Change add_method_key_value(DcmFileFormat& file, std::string_view key_fingerprint) {
    DcmDataset& dataset = *file.getDataset();
    OFString joined;
    std::vector<std::string> before;
    if (dataset.findAndGetOFStringArray(DCM_DeidentificationMethod, joined).good() && !joined.empty()) {
        before = split_multi_value(joined.c_str());
    }
    std::vector<std::string> after = before;
    after.push_back(method_key_value(key_fingerprint));
    dataset.putAndInsertOFStringArray(DCM_DeidentificationMethod, join_multi_value(after).c_str());
    return Change{"(0012,0063)", "DeidentificationMethod", before.empty() ? ChangeKind::added : ChangeKind::replaced,
                  before, after, SourceSpan{std::string(kProfileMachinery), 0, 0, 0}};
}

std::vector<Change> record_method(DcmFileFormat& file, const Profile* profile, std::string_view key,
                                  std::string_view key_fingerprint) {
    if (profile == nullptr) {
        return key.empty() ? std::vector<Change>{} : std::vector<Change>{add_method_key_value(file, key_fingerprint)};
    }
    std::vector<Change> changes = write_method_elements(file, *profile, key_fingerprint);
    if (auto change = replace_meta_uid_without_dataset_uid(file, *profile, key)) {
        changes.push_back(std::move(*change));
    }
    return changes;
}

std::vector<Change> write_method_elements(DcmFileFormat& file, const Profile& profile, std::string_view key_fingerprint) {
    DcmDataset& dataset = *file.getDataset();
    const std::vector<std::string> description = method_description(profile, key_fingerprint);
    const std::string joined = join_multi_value(description);
    dataset.putAndInsertOFStringArray(DCM_DeidentificationMethod, joined.c_str());
    // Whatever an earlier de-identification recorded is replaced: the codes
    // say what this output has been through.
    dataset.findAndDeleteElement(DCM_DeidentificationMethodCodeSequence);
    std::vector<std::string> listed;
    for (const auto& [code, meaning] : method_codes(profile)) {
        DcmItem* item = nullptr;
        if (dataset.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, item, -2).bad() ||
            item == nullptr) {
            continue;
        }
        item->putAndInsertString(DCM_CodeValue, std::string(code).c_str());
        item->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
        item->putAndInsertString(DCM_CodeMeaning, std::string(meaning).c_str());
        listed.push_back(std::string(code) + " " + std::string(meaning));
    }
    const SourceSpan by{std::string(kProfileMachinery), 0, 0, 0};
    return {Change{"(0012,0063)", "DeidentificationMethod", ChangeKind::added, {}, description, by},
            Change{"(0012,0064)", "DeidentificationMethodCodeSequence", ChangeKind::added, {}, listed, by}};
}

std::optional<Change> replace_meta_uid_without_dataset_uid(DcmFileFormat& file, const Profile& profile,
                                                           std::string_view key) {
    OFString uid;
    if (profile.has(ProfileOption::retain_uids) || file.getDataset()->tagExistsWithValue(DCM_SOPInstanceUID) ||
        file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, uid).bad() || uid.empty()) {
        return std::nullopt;
    }
    const std::string replaced = stdlib::consistent_uid(uid.c_str(), key);
    file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, replaced.c_str());
    return Change{"(0002,0003)", "MediaStorageSOPInstanceUID", ChangeKind::replaced, {uid.c_str()}, {replaced},
                  SourceSpan{std::string(kProfileMachinery), 0, 0, 0}};
}

Profile recorded_profile(DcmFileFormat& file) {
    Profile profile;
    DcmItem& dataset = *file.getDataset();
    for (signed long index = 0;; ++index) {
        DcmItem* item = nullptr;
        if (dataset.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, item, index).bad() ||
            item == nullptr) {
            break;
        }
        OFString code;
        item->findAndGetOFString(DCM_CodeValue, code);
        if (std::string_view(code.c_str()) == kCleanPixelCode) {
            profile.clean_pixels = true;
        }
        for (const auto& option : kOptions) {
            if (option.code == code.c_str() && !profile.has(option.option)) {
                profile.options.push_back(option.option);
            }
        }
    }
    std::sort(profile.options.begin(), profile.options.end());
    return profile;
}

bool says_burned_in(DcmFileFormat& file) {
    OFString value;
    if (file.getDataset()->findAndGetOFString(DCM_BurnedInAnnotation, value).bad()) {
        return false;
    }
    return iequals(trim(value.c_str()), "YES");
}

void add_default_filters(plan::Plan& plan, const ElementDictionary& dictionary) {
    Compiled bundled = compile({{}, true, {}}, dictionary);
    plan.filters.insert(plan.filters.begin(), std::make_move_iterator(bundled.plan.filters.begin()),
                        std::make_move_iterator(bundled.plan.filters.end()));
}

std::int64_t run_date_shift() {
    std::array<unsigned char, 8> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("the system's random number generator failed");
    }
    return shift_from(bytes.data());
}

namespace {

// Every built-in the plan's actions call.
template <typename Test>
bool any_builtin(const plan::Plan& plan, Test test) {
    return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const plan::HeaderAction& action) {
        const auto* builtin = action.value ? std::get_if<plan::BuiltinSource>(&*action.value) : nullptr;
        return builtin != nullptr && test(*builtin->builtin);
    });
}

std::string top_level_text(DcmFileFormat& file, const DcmTagKey& tag) {
    OFString value;
    if (file.getDataset()->findAndGetOFStringArray(tag, value).bad()) {
        return "";
    }
    return std::string(trim(value.c_str()));
}

}  // namespace

bool needs_identifying_values(const plan::Plan& plan) {
    return any_builtin(plan, [](const stdlib::Builtin& builtin) { return builtin.needs_identifying_values; });
}

bool needs_pseudonym_key(const plan::Plan& plan) {
    return any_builtin(plan, [](const stdlib::Builtin& builtin) { return builtin.needs_key; });
}

void prepare_file_context(DcmFileFormat& file, const Profile& profile, bool identifying, std::string_view key,
                          std::int64_t date_shift_days, FileContext& context) {
    context.builtins = {};
    context.report = {};
    context.identifying.clear();
    context.patient_id = top_level_text(file, DCM_PatientID);
    context.issuer_of_patient_id = top_level_text(file, DCM_IssuerOfPatientID);
    context.builtins.pseudonym_key = key;
    context.builtins.patient_id = context.patient_id;
    context.builtins.issuer_of_patient_id = context.issuer_of_patient_id;
    context.builtins.date_shift_days = date_shift_days;
    context.builtins.report = &context.report;
    if (identifying) {
        const DcmtkDataset dataset(file);
        const IdentifyingValues identity = collect_identity(dataset, profile, [&dataset](const ElementInfo& element) {
            return dataset.bytes(element.path, kBinaryBytesSearched);
        });
        context.identifying = identity.significant_tokens();
        context.builtins.identifying = &context.identifying;
    }
}

}  // namespace deid
