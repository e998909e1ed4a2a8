#pragma once

// The XML shell of an RSNA CTP DicomAnonymizer script, read with libxml2:
//
//   <script>
//     <p t="UIDROOT">1.2.840.113654.2.70.1</p>
//     <e en="T" t="00100010" n="PatientName">@hashname(this,6,2)</e>
//     <k en="F" t="0018">Keep group 0018</k>
//     <r en="T" t="privategroups">Remove private groups</r>
//   </script>
//
// Every position is kept, so that diagnostics point at the CTP file.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctp/source_text.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"

namespace deid::ctp {

struct XmlAttribute {
    std::string value;
    std::size_t begin = 0;  // byte offsets of the value in the file
    std::size_t end = 0;
};

// One child of <script>: <p>, <e>, <k>, <r> (or another, which CTP ignores).
struct XmlEntry {
    std::string name;
    std::size_t begin = 0;  // the '<' of its start tag
    std::size_t end = 0;    // one past the '>' of its start tag
    std::map<std::string, XmlAttribute> attributes;
    // Its text, entities decoded, and for each byte of it the byte of the
    // file it came from (one more entry: the end).
    std::string text;
    std::vector<std::size_t> text_offsets;

    [[nodiscard]] const XmlAttribute* attribute(const std::string& key) const {
        const auto found = attributes.find(key);
        return found == attributes.end() ? nullptr : &found->second;
    }
};

struct XmlScript {
    std::vector<XmlEntry> entries;  // in file order
};

// Reads the shell. Malformed XML, a root other than <script> or a DOCTYPE
// is reported; nullopt when nothing can be read.
std::optional<XmlScript> read_xml_script(const SourceText& source, Diagnostics& diagnostics);

}  // namespace deid::ctp
