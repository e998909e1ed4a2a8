#pragma once

// Where `put` writes each output below OUTDIR (`--layout`, README "Output
// layout"): `mirror` keeps the input's path below its input folder; `uid`
// and templates name elements of the *output* dataset, so that the path
// carries de-identified values only, never the input's folder and file
// names (an export named DOE^JOHN/20200101/... would put the name and date
// straight into the de-identified tree).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "interpreter/dataset/dataset_view.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid {

inline constexpr std::string_view kUidLayout = "{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm";

// Path characters: a value's bytes outside [A-Za-z0-9._-] become '_' (a '/'
// cannot make a folder, a '\' of a multi-valued value neither), leading and
// trailing blanks and NULs (DICOM padding) go first, an empty value is "_",
// and a value is cut to 64 bytes. A component that would start with '.'
// (hidden, ".", "..", deid's own temporaries) gets a '_' in front.
std::string path_text(std::string_view value);

class OutputLayout {
public:
    struct Field {
        std::uint16_t group = 0;
        std::uint16_t element = 0;
        std::string keyword;  // as the dictionary spells it
        [[nodiscard]] std::string path_id() const;  // "(0010,0020)"
    };

    // "mirror", "uid" or a template such as "{PatientID}/{StudyDate}/{SOPInstanceUID}.dcm":
    // '/' separates folders; {Keyword} or {(GGGG,EEEE)} names a top-level
    // element of the output; literal text may hold [A-Za-z0-9._-] only. A
    // message for a bad text (unknown keyword with a suggestion, unclosed
    // brace, empty or '..' component, no field at all).
    static std::variant<OutputLayout, std::string> parse(std::string_view text, const ElementDictionary& dictionary);

    [[nodiscard]] bool mirrors() const { return mirror_; }
    [[nodiscard]] const std::string& text() const { return text_; }
    // The elements the template names, each once.
    [[nodiscard]] const std::vector<Field>& fields() const { return fields_; }

    // The output's path below OUTDIR from the output dataset (not for mirror).
    [[nodiscard]] std::filesystem::path path_for(const DatasetView& output) const;

    // The named elements' values in `dataset` ('\'-joined, trimmed; "" when
    // absent), in fields() order: taken before and after the recipes, they
    // show which the recipes left as they were.
    [[nodiscard]] std::vector<std::string> values_of(const DatasetView& dataset) const;

private:
    struct Piece {
        std::string literal;
        std::optional<std::size_t> field;  // index into fields_
    };
    bool mirror_ = true;
    std::string text_ = "mirror";
    std::vector<Field> fields_;
    std::vector<std::vector<Piece>> components_;
};

}  // namespace deid
