#include "engine/verify_command.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <nlohmann/json.hpp>

#include "engine/crosswalk.hpp"
#include "engine/identity.hpp"
#include "engine/parallel_batch.hpp"
#include "engine/profile_table.hpp"
#include "engine/run_gate.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dicom/character_set.hpp"
#include "runtime/dicom/dicom_file.hpp"
#include "runtime/dicom/unknown_vr.hpp"
#include "runtime/io/inputs.hpp"
#include "stdlib/profile_builtins.hpp"
#include "stdlib/pseudonyms.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::size_t kValueShown = 80;

struct Finding {
    std::string line;     // the text form, without the trailing newline
    nlohmann::json json;  // the JSON form
};

enum class Outcome { checked, no_output, not_dicom, failed };

struct FileVerdict {
    Outcome outcome = Outcome::checked;
    std::vector<Finding> findings;
    std::string messages;  // for standard error
};

// One line, at most kValueShown characters.
std::string shown(std::string_view value) {
    std::string line;
    for (const char c : value) {
        line += (c == '\n' || c == '\r') ? ' ' : c;
    }
    if (line.size() > kValueShown) {
        line = line.substr(0, kValueShown - 3) + "...";
    }
    return line;
}

// See inside_code().
constexpr std::size_t kShortestCode = 8;
constexpr std::size_t kLongWord = 5;

bool top_level_tag(const ElementInfo& element, std::uint16_t group, std::uint16_t tag) {
    return element.group == group && element.element == tag;
}

// What the profile machinery and recipes write about the de-identification
// itself: never a leak, whatever words they share with the input.
bool describes_deidentification(const ElementInfo& element) {
    const std::string_view path = element.path;
    return path.starts_with("(0012,0062)") || path.starts_with("(0012,0063)") || path.starts_with("(0012,0064)") ||
           path.starts_with("(0028,0303)");
}

// Pixel data, waveforms, overlay bitmaps and lookup tables: bulk numbers, no text.
bool bulk_data(const ElementInfo& element) {
    return element.group == 0x7FE0 || top_level_tag(element, 0x5400, 0x1010) ||
           ((element.group & 0xFF01) == 0x6000 && element.element == 0x3000) ||
           (element.group == 0x0028 && (element.element == 0x1201 || element.element == 0x1202 ||
                                        element.element == 0x1203 || element.element == 0x3006 ||
                                        (element.element >= 0x1221 && element.element <= 0x1223)));
}

bool is_dummy(std::string_view text) {
    const auto& dummies = stdlib::dummy_values();
    return std::find(dummies.begin(), dummies.end(), trim(text)) != dummies.end();
}

BinaryReader reader_of(const DcmtkDataset& dataset) {
    return [&dataset](const ElementInfo& element) { return dataset.bytes(element.path, kBinaryBytesSearched); };
}

// ------------------------------------------------ with the originals --

struct Match {
    const IdentifyingElement* source = nullptr;
    const SourceToken* token = nullptr;
    std::size_t at = 0;
};

// Better matches first: strong pieces, from public elements, whole values
// before components, dates, digits and words, longer ones.
auto rank(const Match& match) {
    return std::make_tuple(match.token->strong, !match.source->element.is_private(),
                           -static_cast<int>(match.token->kind), match.token->token.text.size());
}

// A UI value holds digits and dots only: the pieces searched in it are
// whole UIDs and dates (hashed UIDs are long runs of random digits, where
// shorter pieces turn up by chance).
bool searchable_in_uid(const Match& match) {
    return match.token->kind == TokenKind::date || match.token->kind == TokenKind::uid;
}

// A path component of digits and dots is a UID: searched like a UI value.
bool looks_like_uid(std::string_view component) {
    return component.find('.') != std::string_view::npos &&
           std::all_of(component.begin(), component.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

bool is_alphanumeric(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Whether text[at, at + length) lies inside a code: a run of at least 8
// letters and digits holding both, as a keyed pseudonym is
// ("S4C6MED07PWZN"). A short run of letters turns up in those by chance (a
// given 3 letters in one of every few thousand), so it is no finding there;
// clean_text still removes it wherever it stands alone.
bool inside_code(std::string_view text, std::size_t at, std::size_t length) {
    std::size_t first = at;
    while (first > 0 && is_alphanumeric(text[first - 1])) {
        --first;
    }
    std::size_t end = at + length;
    while (end < text.size() && is_alphanumeric(text[end])) {
        ++end;
    }
    const std::string_view run = text.substr(first, end - first);
    const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    const auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    return run.size() >= kShortestCode && std::any_of(run.begin(), run.end(), digit) &&
           std::any_of(run.begin(), run.end(), letter);
}

// Where `token` stands in `lowered` as a finding: not a short run of
// letters (a word, a name component, a whole value such as 'CCHS') inside a code.
std::optional<std::size_t> find_finding(const std::string& lowered, const SourceToken& token) {
    const std::string_view text = token.token.text;
    const bool short_letters = text.size() < kLongWord && std::all_of(text.begin(), text.end(), [](char c) {
                                   return std::isalpha(static_cast<unsigned char>(c)) != 0;
                               });
    for (auto at = stdlib::find_token(lowered, token.token); at; at = stdlib::find_token(lowered, token.token, *at + 1)) {
        if (!short_letters || !inside_code(lowered, *at, text.size())) {
            return at;
        }
    }
    return std::nullopt;
}

// The best piece found in `text` (lower-cased), if any.
std::optional<Match> best_match(const std::vector<Match>& pieces, const std::string& lowered, bool uid_only) {
    std::optional<Match> best;
    for (const auto& piece : pieces) {
        if (uid_only && !searchable_in_uid(piece)) {
            continue;
        }
        if (const auto at = find_finding(lowered, *piece.token)) {
            Match found = piece;
            found.at = *at;
            if (!best || rank(found) > rank(*best)) {
                best = found;
            }
        }
    }
    return best;
}

// The output's path (`shown_path`: below OUTDIR when known), component by
// component, searched for the input's pieces.
std::vector<Finding> compare_path(const std::filesystem::path& input, const std::vector<Match>& pieces,
                                  const std::filesystem::path& output_path, const std::filesystem::path& shown_path) {
    // Folder and file names are short words: only strong pieces (whole names,
    // IDs, dates, UIDs) and the components of names are looked for; a word
    // of a description ("dicom" of an image comment in "dicom-cookies") is
    // no finding.
    std::vector<Match> named;
    std::copy_if(pieces.begin(), pieces.end(), std::back_inserter(named), [](const Match& piece) {
        return piece.token->strong || piece.token->kind == TokenKind::component;
    });
    std::vector<Finding> findings;
    const std::vector<std::filesystem::path> parts(shown_path.begin(), shown_path.end());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& part = parts[i];
        std::string component = part.string();
        if (component == "/" || component.empty()) {
            continue;
        }
        // A file's extension is no value of the input.
        if (const auto dot = component.rfind('.');
            dot != std::string::npos && i + 1 == parts.size() && !looks_like_uid(component)) {
            component.resize(dot);
        }
        const auto best = best_match(named, to_lower(component), looks_like_uid(component));
        if (!best) {
            continue;
        }
        const auto& source = best->source->element;
        const std::string token = component.substr(best->at, best->token->token.text.size());
        const std::string kind(token_kind_word(best->token->kind));
        Finding finding;
        finding.line = output_path.string() + ": output path: '" + shown(part.string()) + "' contains " +
                       source.nested_name + " " + kind + " '" + token + "' from " + input.string() + " " + source.path;
        finding.json = {{"output", output_path.string()}, {"path", ""},
                        {"name", "output path"},          {"value", part.string()},
                        {"input", input.string()},        {"source_path", source.path},
                        {"source_name", source.nested_name}, {"kind", kind},
                        {"piece", token},                 {"strong", best->token->strong}};
        findings.push_back(std::move(finding));
    }
    return findings;
}

std::vector<Finding> compare(const std::filesystem::path& input, DcmFileFormat& original,
                             const std::filesystem::path& output_path, const std::filesystem::path& shown_path,
                             DcmFileFormat& output, const Profile& profile) {
    const DcmtkDataset before(original);
    const DcmtkDataset after(output);
    const IdentifyingValues identity = collect_identity(before, profile, reader_of(before));
    std::vector<Match> pieces;
    for (const auto& source : identity.elements) {
        for (const auto& token : source.tokens) {
            if (identity.significant(token)) {
                pieces.push_back({&source, &token, 0});
            }
        }
    }
    std::vector<Finding> findings = compare_path(input, pieces, output_path, shown_path);
    const BinaryReader output_bytes = reader_of(after);
    for (const auto& element : after.elements()) {
        if (element.is_sequence() || bulk_data(element) || describes_deidentification(element)) {
            continue;
        }
        const auto text = searchable_text(after, element, output_bytes);
        if (!text || is_dummy(*text)) {
            continue;
        }
        const auto best = best_match(pieces, to_lower(*text), element.vr == "UI");
        if (!best) {
            continue;
        }
        const auto& source = best->source->element;
        const std::string token = text->substr(best->at, best->token->token.text.size());
        const std::string source_name = source.nested_name;
        const std::string kind(token_kind_word(best->token->kind));
        Finding finding;
        finding.line = output_path.string() + ": " + element.path + " " + element.nested_name + ": '" + shown(*text) +
                       "' contains " + source_name + " " + kind + " '" + token + "' from " + input.string() + " " +
                       source.path;
        finding.json = {{"output", output_path.string()}, {"path", element.path},   {"name", element.nested_name},
                        {"value", *text},                {"input", input.string()}, {"source_path", source.path},
                        {"source_name", source_name},    {"kind", kind},            {"piece", token},
                        {"strong", best->token->strong}};
        findings.push_back(std::move(finding));
    }
    return findings;
}

// ------------------------------------------------------------ alone --

Finding alone_finding(const std::filesystem::path& output, const ElementInfo& element, const std::string& value,
                      const std::string& problem) {
    Finding finding;
    finding.line = output.string() + ": " + element.path + " " + element.nested_name + ": " +
                   (value.empty() ? "" : "'" + shown(value) + "': ") + problem;
    finding.json = {{"output", output.string()}, {"path", element.path}, {"name", element.nested_name},
                    {"value", value}, {"problem", problem}};
    return finding;
}

// A value deid_func:hash_id wrote for the profile's keyed pseudonyms
// (recipes/profiles/deid.profile.pseudonyms): its prefix and 12 characters
// of base 32. The basic profile empties these elements; a keyed run gives
// them a pseudonym, which PS3.15's Z and Z/D allow.
bool is_keyed_pseudonym(const ElementInfo& element, std::string_view value) {
    static constexpr std::array<std::pair<std::string_view, char>, 3> kPrefixes = {
        {{"PatientID", 'P'}, {"AccessionNumber", 'A'}, {"StudyID", 'S'}}};
    static constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    value = trim(value);
    const auto found = std::find_if(kPrefixes.begin(), kPrefixes.end(),
                                    [&](const auto& prefix) { return prefix.first == element.keyword; });
    return found != kPrefixes.end() && value.size() == 1 + stdlib::kDefaultIdLength && value.front() == found->second &&
           value.substr(1).find_first_not_of(kCrockford) == std::string_view::npos;
}

std::vector<Finding> check_alone(const std::filesystem::path& output_path, DcmFileFormat& output,
                                 const Profile& profile) {
    const bool keyed = !recorded_key_fingerprint(output).empty();
    const DcmtkDataset dataset(output);
    const auto elements = dataset.elements();
    std::vector<Finding> findings;
    std::string reported;  // path of the last private element reported: its contents are not reported again
    bool identity_removed = false;
    for (std::size_t i = 0; i < elements.size(); ++i) {
        const auto& element = elements[i];
        if (!reported.empty() && element.path.starts_with(reported + "__")) {
            continue;
        }
        const std::string value = join_multi_value(dataset.values(element.path).value_or(std::vector<std::string>{}));
        if (element.depth == 0 && top_level_tag(element, 0x0012, 0x0062)) {
            identity_removed = iequals(trim(value), "YES");
        }
        if (element.is_private() && !element.file_meta) {
            findings.push_back(alone_finding(output_path, element, value,
                                             "private element: the basic profile removes every private element"));
            reported = element.path;
            continue;
        }
        const bool has_items = element.is_sequence() && i + 1 < elements.size() &&
                               elements[i + 1].path.starts_with(element.path + "__");
        const bool has_value = element.is_sequence() ? has_items : element.length > 0;
        if (!has_value) {
            continue;
        }
        // Only where the table allows no dummy: another tool's D is as good as deid's empty value.
        const ProfileAction action = profile_action(element, profile);
        const ProfileRow* row = find_profile_row(element.group, element.element);
        const bool no_dummy_allowed = row != nullptr && (row->basic_action == "X" || row->basic_action == "Z" ||
                                                         row->basic_action == "X/Z");
        if ((action == ProfileAction::remove || action == ProfileAction::blank) && no_dummy_allowed &&
            !(keyed && is_keyed_pseudonym(element, value))) {
            findings.push_back(alone_finding(
                output_path, element, value,
                std::string(action == ProfileAction::remove ? "present" : "not empty") + ": the profile " +
                    (action == ProfileAction::remove ? "removes" : "empties") + " it (" + std::string(row->name) +
                    ": " + std::string(row->basic_action) + ")"));
        }
    }
    if (!identity_removed) {
        ElementInfo missing;
        missing.path = "(0012,0062)";
        missing.nested_name = "PatientIdentityRemoved";
        findings.push_back(alone_finding(output_path, missing, "", "not YES: the output does not say it was de-identified"));
    }
    return findings;
}

// ------------------------------------------------------------ batch --

std::unique_ptr<DcmFileFormat> load(const std::filesystem::path& path, FileVerdict& verdict, bool input) {
    auto loaded = load_dicom(path);
    if (auto* error = std::get_if<LoadError>(&loaded)) {
        if (input && !error->is_failure()) {
            verdict.outcome = Outcome::not_dicom;  // put skipped it too
        } else {
            verdict.outcome = Outcome::failed;
            verdict.messages += path.string() + ": error: " + error->reason + "\n";
        }
        return nullptr;
    }
    auto file = std::move(std::get<std::unique_ptr<DcmFileFormat>>(loaded));
    if (is_media_directory(*file)) {
        verdict.outcome = Outcome::not_dicom;  // DICOMDIRs are rebuilt, never written by put
        return nullptr;
    }
    reinterpret_unknown_text(*file);  // a date in UN bytes is still a date
    // Inputs and outputs compared in one encoding: a Latin-1 name in the
    // input is the same name as its UTF-8 copy in the output.
    (void)convert_text_to_utf8(*file);
    return file;
}

class Verifier {
public:
    Verifier(const VerifyOptions& options, std::unordered_map<std::string, std::filesystem::path> reported)
        : options_(options), reported_(std::move(reported)) {}

    FileVerdict verify(const InputFile& input) const {
        FileVerdict verdict;
        try {
            if (!input.problem.empty()) {
                verdict.outcome = Outcome::failed;
                verdict.messages = input.path.string() + ": error: " + input.problem + "\n";
                return verdict;
            }
            if (alone()) {
                if (input.path.filename().string().ends_with(".deid-partial")) {
                    verdict.outcome = Outcome::not_dicom;
                    return verdict;
                }
                auto output = load(input.path, verdict, true);
                if (output) {
                    verdict.findings = check_alone(input.path, *output, profile_of(*output));
                }
                return verdict;
            }
            const auto output_path = output_of(input);
            auto original = load(input.path, verdict, true);
            if (!output_path) {
                // Nothing to check: put skipped it (not DICOM, a DICOMDIR) or could not read it.
                if (verdict.outcome != Outcome::not_dicom) {
                    verdict.outcome = Outcome::no_output;
                    verdict.messages = input.path.string() + ": note: no output to verify" +
                                       (original ? "" : " (the input cannot be read either)") + "\n";
                }
                return verdict;
            }
            if (!original) {
                return verdict;
            }
            auto output = load(*output_path, verdict, false);
            if (output) {
                verdict.findings =
                    compare(input.path, *original, *output_path, shown_path(*output_path), *output, profile_of(*output));
            }
        } catch (const std::exception& error) {
            verdict.outcome = Outcome::failed;
            verdict.messages += input.path.string() + ": error: " + error.what() + "\n";
        }
        return verdict;
    }

private:
    bool alone() const { return !options_.output && !options_.report && !options_.mapping; }

    // The part of an output's path a layout made: below OUTDIR when the
    // output lies there, else the path as the report or crosswalk names it.
    std::filesystem::path shown_path(const std::filesystem::path& output) const {
        if (options_.output) {
            auto relative = output.lexically_normal().lexically_relative(options_.output->lexically_normal());
            if (!relative.empty() && *relative.begin() != "..") {
                if (*relative.begin() == "quarantine") {
                    relative = relative.lexically_relative("quarantine");
                }
                return relative;
            }
        }
        return output;
    }

    Profile profile_of(DcmFileFormat& output) const {
        return options_.profile ? *options_.profile : recorded_profile(output);
    }

    std::optional<std::filesystem::path> output_of(const InputFile& input) const {
        if (options_.report || options_.mapping) {
            const auto found = reported_.find(input.path.string());
            return found == reported_.end() ? std::nullopt : std::optional(found->second);
        }
        for (const auto& candidate : {*options_.output / input.relative, *options_.output / "quarantine" / input.relative}) {
            if (std::filesystem::is_regular_file(candidate)) {
                return candidate;
            }
        }
        return std::nullopt;
    }

    const VerifyOptions& options_;
    std::unordered_map<std::string, std::filesystem::path> reported_;
};

// `put --report` lines whose input has a complete output.
std::optional<std::vector<std::pair<std::string, std::filesystem::path>>> read_report(const std::filesystem::path& path,
                                                                                     std::ostream& err) {
    std::ifstream stream(path);
    if (!stream) {
        err << path.string() << ": error: cannot read the report\n";
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::filesystem::path>> pairs;
    std::string line;
    for (std::size_t number = 1; std::getline(stream, line); ++number) {
        if (trim(line).empty()) {
            continue;
        }
        const auto entry = nlohmann::json::parse(line, nullptr, false);
        if (entry.is_discarded() || !entry.is_object() || !entry.contains("input") || !entry["input"].is_string()) {
            err << path.string() << ":" << number << ": error: not a line of put --report\n";
            return std::nullopt;
        }
        const std::string status = entry.value("status", "");
        const std::string output = entry.value("output", "");
        if (!output.empty() && (status == "written" || status == "resumed" || status == "quarantined")) {
            pairs.emplace_back(entry["input"].get<std::string>(), output);
        }
    }
    return pairs;
}

}  // namespace

int run_verify(const VerifyOptions& options, std::ostream& out, std::ostream& err) {
    std::vector<std::filesystem::path> walked = options.inputs;
    std::unordered_map<std::string, std::filesystem::path> reported;
    if (options.report && options.mapping) {
        err << "deid verify: pair inputs with outputs by --report or by --mapping, not both\n";
        return kExitRecipeError;
    }
    if (options.report) {
        const auto pairs = read_report(*options.report, err);
        if (!pairs) {
            return kExitRecipeError;
        }
        walked.clear();
        for (const auto& [input, output] : *pairs) {
            walked.emplace_back(input);
            reported.emplace(input, output);
        }
    } else if (options.mapping) {
        const auto pairs = crosswalk_files(*options.mapping);
        if (const auto* problem = std::get_if<std::string>(&pairs)) {
            err << *problem << '\n';
            return kExitRecipeError;
        }
        walked.clear();
        for (const auto& pair : std::get<std::vector<CrosswalkPair>>(pairs)) {
            walked.emplace_back(pair.input);
            reported.emplace(pair.input, pair.output);
        }
    } else if (!options.output && options.inputs.size() != 1) {
        err << "deid verify: give the originals with --output OUTDIR (or --report, or --mapping), or one output "
               "folder alone\n";
        return kExitRecipeError;
    }
    for (const auto& path : options.report || options.mapping ? std::vector<std::filesystem::path>{} : walked) {
        if (!std::filesystem::exists(path)) {
            err << path.string() << ": error: no such file or folder\n";
            return kExitRecipeError;
        }
    }
    if (options.output && !std::filesystem::is_directory(*options.output)) {
        err << options.output->string() << ": error: no such output folder\n";
        return kExitRecipeError;
    }

    const Verifier verifier(options, std::move(reported));
    std::map<Outcome, std::size_t> counts;
    std::size_t findings = 0;
    std::size_t files_with_findings = 0;
    bool first_json = true;
    if (options.format == VerifyFormat::json) {
        out << "{\n  \"findings\": [";
    }
    InputWalk inputs(walked);
    Progress progress(err, options.progress, "deid verify", progress_total(options.progress, walked));
    run_in_parallel(inputs, BatchSettings{options.jobs, kWholeFileReadAhead}, [] { return 0; },
        [&](int, const InputFile& input) { return verifier.verify(input); },
        [&](const InputFile&, const FileVerdict& verdict) {
            ++counts[verdict.outcome];
            findings += verdict.findings.size();
            files_with_findings += verdict.findings.empty() ? 0 : 1;
            if (!verdict.findings.empty()) {
                progress.make_room();
            }
            for (const auto& finding : verdict.findings) {
                if (options.format == VerifyFormat::json) {
                    // Values are in the file's character set; what is not UTF-8 shows as U+FFFD.
                    out << (first_json ? "\n    " : ",\n    ")
                        << finding.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                    first_json = false;
                } else {
                    out << finding.line << '\n';
                }
            }
            out << std::flush;
            progress.file_done(verdict.messages);
        });
    const std::size_t checked = counts[Outcome::checked];
    if (options.format == VerifyFormat::json) {
        const nlohmann::json summary{{"checked", checked},
                                     {"with_findings", files_with_findings},
                                     {"findings", findings},
                                     {"no_output", counts[Outcome::no_output]},
                                     {"not_dicom", counts[Outcome::not_dicom]},
                                     {"failed", counts[Outcome::failed]}};
        out << (first_json ? "],\n" : "\n  ],\n") << "  \"summary\": " << summary.dump() << "\n}\n";
    }
    std::ostringstream summary;
    summary << "deid verify: " << checked << " checked, " << findings << " finding" << (findings == 1 ? "" : "s")
            << " in " << files_with_findings << " file" << (files_with_findings == 1 ? "" : "s");
    if (!(options.output || options.report || options.mapping)) {
        summary << " (alone: no originals)";
    }
    summary << ", " << counts[Outcome::no_output] << " without output, " << counts[Outcome::not_dicom]
            << " not DICOM, " << counts[Outcome::failed] << " failed\n";
    progress.print(summary.str());
    if (findings > 0) {
        return kExitFindings;
    }
    return counts[Outcome::failed] > 0 ? 1 : 0;
}

}  // namespace deid
