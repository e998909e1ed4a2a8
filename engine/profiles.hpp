#pragma once

// The DICOM PS3.15 confidentiality profiles (`--profile basic[,option...]`):
// which shipped recipes a profile runs (recipes/profiles/, generated from
// the standard's table), and what deid writes beyond them: the
// de-identification method elements, which the recipe language cannot
// write (a code sequence), and the hold on burned-in annotation.

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "interpreter/eval/evaluator.hpp"
#include "interpreter/plan/plan.hpp"
#include "stdlib/builtin_context.hpp"

class DcmFileFormat;

namespace deid {

class ElementDictionary;

// In the order of the table's option columns (tools/generate_profiles.py).
enum class ProfileOption : std::uint8_t {
    retain_uids,
    retain_device_identity,
    retain_institution_identity,
    retain_patient_characteristics,
    retain_long_full_dates,
    retain_long_modified_dates,
    clean_descriptors,
    clean_structured_content,
    clean_graphics,
};

struct ProfileOptionInfo {
    ProfileOption option;
    std::string_view flag;     // "retain-uids", as --profile takes it
    std::string_view code;     // CID 7050: "113110"
    std::string_view meaning;  // "Retain UIDs Option"
};

// Every option, in ProfileOption order.
std::span<const ProfileOptionInfo> profile_options();

// A profile to run: basic, with options in ProfileOption order (each once).
struct Profile {
    std::vector<ProfileOption> options;
    bool clean_pixels = false;  // --clean-pixels: the Clean Pixel Data Option (113101)
    [[nodiscard]] bool has(ProfileOption option) const;
};

// "basic[,option,...]" -> the profile, or the message for a bad text.
std::variant<Profile, std::string> parse_profile(std::string_view text);
// "basic,retain-uids,..." as --profile takes it.
std::string profile_text(const Profile& profile);
// The bundled recipes the profile runs, in order: "deid.profile.basic", the
// options, and last "deid.profile.pseudonyms" (keyed pseudonyms for the IDs
// the profile empties: profile runs always have a key).
std::vector<std::string> profile_recipes(const Profile& profile);
// What DeidentificationMethod (0012,0063) says: "deid VERSION", the profile
// and each option by their code meanings (each value at most 64 characters),
// and, for a run with a key, its fingerprint (method_key_value).
std::vector<std::string> method_description(const Profile& profile, std::string_view key_fingerprint = {});
// The DeidentificationMethod value naming the key of a run:
// "pseudonym key fingerprint 0123456789abcdef".
std::string method_key_value(std::string_view key_fingerprint);
// The fingerprint an output's DeidentificationMethod names, or "".
std::string recorded_key_fingerprint(DcmFileFormat& file);
// The codes of DeidentificationMethodCodeSequence: 113100 and one per option.
std::vector<std::pair<std::string_view, std::string_view>> method_codes(const Profile& profile);

// Writes DeidentificationMethod and DeidentificationMethodCodeSequence
// (after the recipes: they describe the whole run) and returns them as
// changes for --explain, attributed to the profile.
std::vector<Change> write_method_elements(DcmFileFormat& file, const Profile& profile,
                                          std::string_view key_fingerprint = {});
// Recipe runs with a key: adds the key's value to DeidentificationMethod
// (after the recipes' own), so that an output names the key that made it.
Change add_method_key_value(DcmFileFormat& file, std::string_view key_fingerprint);

// What every run (put, the embed API) records in a file once its recipes
// ran: under `profile` the method elements and the meta header's UID
// (replace_meta_uid_without_dataset_uid); without one, for a run with a key,
// the key's value (add_method_key_value). `key` and `key_fingerprint` are
// empty for a run without a key. The changes, for --explain.
std::vector<Change> record_method(DcmFileFormat& file, const Profile* profile, std::string_view key,
                                  std::string_view key_fingerprint);

// The meta header's MediaStorageSOPInstanceUID follows the dataset's
// SOPInstanceUID when the file is written; a dataset without one leaves
// the meta copy as the input had it, which the U rule replaces here (unless
// retain-uids keeps UIDs). The change, if any.
std::optional<Change> replace_meta_uid_without_dataset_uid(DcmFileFormat& file, const Profile& profile,
                                                           std::string_view key = {});
// How --explain names what the profile machinery did.
inline constexpr std::string_view kProfileMachinery = "<profile machinery>";

// The profile an output says it was made with: its
// DeidentificationMethodCodeSequence, read back (basic when it has none).
Profile recorded_profile(DcmFileFormat& file);

// Whether the header says BurnedInAnnotation YES: in profile mode such a
// file is written only once --clean-pixels cleaned it, else quarantined.
bool says_burned_in(DcmFileFormat& file);

// The bundled default's %filter groups put before the plan's own: profiles
// have none, and --clean-pixels screens with them.
void add_default_filters(plan::Plan& plan, const ElementDictionary& dictionary);

// For runs without a pseudonym key (an embedder's; put always has one when
// shift_date is called): one date shift drawn for the whole run, 1 to 10
// years back. With a key, shift_date uses the patient's offset instead.
std::int64_t run_date_shift();

// Whether the plan calls a built-in that reads the file's identifying
// values (clean_text), which cost a pass over the file to collect. (The
// values before any action come from the evaluator itself.)
bool needs_identifying_values(const plan::Plan& plan);

// Whether the plan calls a built-in derived from the pseudonym key.
bool needs_pseudonym_key(const plan::Plan& plan);

// What the built-ins see of one file (stdlib/builtin_context.hpp). Built in
// place: `builtins` points into the object.
struct FileContext {
    std::vector<stdlib::IdentifyingToken> identifying;
    std::string patient_id;
    std::string issuer_of_patient_id;
    stdlib::PseudonymReport report;
    stdlib::BuiltinContext builtins;
};
// Fills `context` for `file` before any action: the run's key and date
// shift and the file's patient always; with `identifying`, the file's
// identifying values under `profile` (engine/identity.hpp).
void prepare_file_context(DcmFileFormat& file, const Profile& profile, bool identifying, std::string_view key,
                          std::int64_t date_shift_days, FileContext& context);

}  // namespace deid
