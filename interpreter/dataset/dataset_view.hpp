#pragma once

// The narrow view of one DICOM dataset that the interpreter evaluates a plan
// on. Elements are addressed by path id (spec §3.3): tags joined by "__" with
// sequence item indices, e.g. "(0008,1115)__0__(0020,000E)". The DCMTK-backed
// implementation is in runtime/dicom; tests may implement it in memory.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deid {

struct ElementInfo {
    std::string path;         // "(0008,1115)__0__(0020,000E)"
    std::string nested_name;  // "ReferencedSeriesSequence__SeriesInstanceUID"
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    std::string keyword;          // "" when the dictionary does not know it
    std::string name;             // dictionary name, "" when unknown
    std::string vr;               // "PN", "SQ", ...
    std::string private_creator;  // for private data elements; "" otherwise
    bool file_meta = false;       // group 0002 of the meta header
    std::size_t depth = 0;        // 0 at top level, 1 inside one sequence item, ...
    std::uint32_t length = 0;     // value length in bytes (undefined-length sequences: 0xFFFFFFFF)
    [[nodiscard]] bool is_sequence() const { return vr == "SQ"; }
    [[nodiscard]] bool is_private() const { return group % 2 == 1; }
};

enum class WriteResult {
    done,
    not_found,          // no element at that path
    conversion_failed,  // the value does not fit the element's VR (element left unchanged)
    cut,                // written, but a value longer than the VR allows was cut to its maximum length
    unsupported,        // e.g. a value written to a sequence
};

class DatasetView {
public:
    virtual ~DatasetView() = default;

    // Every element, depth first in dataset order, file meta first; a
    // sequence is listed before the elements of its items.
    [[nodiscard]] virtual std::vector<ElementInfo> elements() const = 0;
    // One top-level element (file meta for group 0002) as elements() lists it.
    [[nodiscard]] virtual std::optional<ElementInfo> top_level_element(std::uint16_t group,
                                                                       std::uint16_t element) const = 0;

    // The element's values (multi-valued strings split on '\'); nullopt when
    // absent. Sequences and binary VRs (OB, OW, UN, ...) give no values.
    [[nodiscard]] virtual std::optional<std::vector<std::string>> values(std::string_view path) const = 0;

    // Replace the element's value, converted to its VR (spec §3.6). A value
    // that does not convert leaves the element as it was, as the established
    // tool does (conformance case replace_bad_numeric).
    virtual WriteResult set(std::string_view path, const std::vector<std::string>& values) = 0;
    // Keep the element with an empty value; a blanked sequence has no items.
    virtual WriteResult blank(std::string_view path) = 0;
    virtual WriteResult remove(std::string_view path) = 0;
    // Create a top-level element (or replace its value); `vr` empty means
    // the VR spec §3.6 gives a new element. A value that does not convert
    // creates nothing.
    virtual WriteResult add(std::uint16_t group, std::uint16_t element, std::string_view vr,
                            const std::vector<std::string>& values) = 0;
    // The top-level element add() would create, as elements() would list it
    // (keyword, names, the VR it would get, its private creator), whether or
    // not it exists: what a func: hook is told of an element ADD creates.
    [[nodiscard]] virtual ElementInfo new_top_level_element(std::uint16_t group, std::uint16_t element) const = 0;

    // Appends items of (CodeValue, CodingSchemeDesignator, CodeMeaning) to
    // a top-level sequence, creating it when absent; `replace` drops its
    // items first (RSNA CTP's DeIdentificationMethodCodeSeq). A view that
    // cannot write sequences says unsupported.
    struct CodedItem {
        std::string scheme;
        std::string value;
        std::string meaning;
    };
    virtual WriteResult append_coded_items(std::uint16_t group, std::uint16_t element, const std::vector<CodedItem>& items,
                                           bool replace);
};

// "(GGGG,EEEE)" with upper-case hex digits.
std::string tag_path_step(std::uint16_t group, std::uint16_t element);

}  // namespace deid
