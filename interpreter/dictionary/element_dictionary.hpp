#pragma once

// What the resolver needs to know about DICOM elements, and nothing more.
// The interpreter binds recipe names through this interface; the DCMTK-backed
// implementation lives in runtime/dictionary so that no stage reaches back.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deid {

struct DictionaryEntry {
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    std::string keyword;  // standard DICOM keyword, "RETIRED_" prefix dropped
    std::string name;     // dictionary name ("Patient's Name"), may be empty
    std::string vr;       // e.g. "PN"; "ox"/"xs" style DCMTK pseudo VRs kept as given
    bool retired = false;
    // Private dictionary entries carry their creator; `element` is then the
    // low byte only (00xx), as in (0019,"SIEMENS CT VA0  COAD",90).
    std::string private_creator;
    // Repeating-group elements such as (60xx,3000) report their first group.
    bool repeating = false;
};

enum class AliasKind {
    legacy,  // pre-2017 keyword derived from the element name, e.g. PatientsName
    ctp,     // RSNA CTP element name, e.g. RefSOPInstanceUID
};

struct AliasEntry {
    std::string alias;  // as found in the table
    AliasKind kind = AliasKind::legacy;
    DictionaryEntry target;
};

class ElementDictionary {
public:
    virtual ~ElementDictionary() = default;

    // Standard keyword, compared case-insensitively.
    [[nodiscard]] virtual std::optional<DictionaryEntry> find_keyword(std::string_view keyword) const = 0;
    // Dictionary name ("Patient's Name"), compared case-insensitively.
    [[nodiscard]] virtual std::optional<DictionaryEntry> find_name(std::string_view name) const = 0;
    // Legacy or CTP alias, compared case-insensitively. Never returns a
    // standard keyword (those are found by find_keyword).
    [[nodiscard]] virtual std::optional<AliasEntry> find_alias(std::string_view alias) const = 0;
    [[nodiscard]] virtual std::optional<DictionaryEntry> find_tag(std::uint16_t group, std::uint16_t element) const = 0;
    [[nodiscard]] virtual std::optional<DictionaryEntry> find_private(std::uint16_t group, std::string_view creator,
                                                                      std::uint8_t element_offset) const = 0;

    // Every standard keyword, for "did you mean" suggestions.
    [[nodiscard]] virtual const std::vector<std::string>& keywords() const = 0;

    // Every standard (non-private) entry, for deciding
    // statically what an expander such as `contains:UID` can select.
    virtual void for_each_standard(const std::function<void(const DictionaryEntry&)>& visit) const = 0;
};

}  // namespace deid
