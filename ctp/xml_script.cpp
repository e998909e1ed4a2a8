#include "ctp/xml_script.hpp"

#include <cstring>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

namespace deid::ctp {
namespace {

std::string as_string(const xmlChar* text) { return text == nullptr ? std::string() : reinterpret_cast<const char*>(text); }

// The value of one of XML's predefined entities or of a character
// reference ("&amp;", "&#233;", "&#xE9;"), as UTF-8; nullopt otherwise.
std::optional<std::string> entity_value(std::string_view reference) {
    if (reference == "amp") return "&";
    if (reference == "lt") return "<";
    if (reference == "gt") return ">";
    if (reference == "quot") return "\"";
    if (reference == "apos") return "'";
    if (!reference.starts_with('#')) {
        return std::nullopt;
    }
    const bool hex = reference.size() > 1 && (reference[1] == 'x' || reference[1] == 'X');
    const std::string digits(reference.substr(hex ? 2 : 1));
    if (digits.empty()) {
        return std::nullopt;
    }
    char* end = nullptr;
    const unsigned long code = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
    if (*end != '\0' || code > 0x10FFFF) {
        return std::nullopt;
    }
    std::string out;
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6U));
        out += static_cast<char>(0x80 | (code & 0x3FU));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12U));
        out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
        out += static_cast<char>(0x80 | (code & 0x3FU));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18U));
        out += static_cast<char>(0x80 | ((code >> 12U) & 0x3FU));
        out += static_cast<char>(0x80 | ((code >> 6U) & 0x3FU));
        out += static_cast<char>(0x80 | (code & 0x3FU));
    }
    return out;
}

// Where each byte of an element's text came from. libxml2 decodes the text;
// this walks the same raw bytes (entities, CDATA sections, comments, line
// breaks) only to know the file position of every decoded byte.
void map_text(const std::string& raw, XmlEntry& entry) {
    std::string decoded;
    std::vector<std::size_t> offsets;
    std::size_t i = entry.end;
    while (i < raw.size()) {
        if (raw.compare(i, 9, "<![CDATA[") == 0) {
            const auto close = raw.find("]]>", i + 9);
            const std::size_t stop = close == std::string::npos ? raw.size() : close;
            for (std::size_t j = i + 9; j < stop; ++j) {
                decoded += raw[j];
                offsets.push_back(j);
            }
            i = stop + 3;
        } else if (raw.compare(i, 4, "<!--") == 0) {
            const auto close = raw.find("-->", i + 4);
            i = close == std::string::npos ? raw.size() : close + 3;
        } else if (raw.compare(i, 2, "<?") == 0) {
            const auto close = raw.find("?>", i + 2);
            i = close == std::string::npos ? raw.size() : close + 2;
        } else if (raw[i] == '<') {
            break;  // the end tag (or a child element, whose text CTP would add; not mapped)
        } else if (raw[i] == '&') {
            const auto semicolon = raw.find(';', i);
            const auto value = semicolon == std::string::npos ? std::nullopt : entity_value(std::string_view(raw).substr(i + 1, semicolon - i - 1));
            if (!value) {
                break;
            }
            for (const char c : *value) {
                decoded += c;
                offsets.push_back(i);
            }
            i = semicolon + 1;
        } else if (raw[i] == '\r') {
            decoded += '\n';
            offsets.push_back(i);
            i += i + 1 < raw.size() && raw[i + 1] == '\n' ? 2 : 1;
        } else {
            decoded += raw[i];
            offsets.push_back(i);
            ++i;
        }
    }
    if (decoded == entry.text) {
        offsets.push_back(i);
        entry.text_offsets = std::move(offsets);
    } else {
        // Text libxml2 read otherwise (a child element): every byte is
        // placed at the start of the element's content.
        entry.text_offsets.assign(entry.text.size() + 1, entry.end);
    }
}

// The attributes of a start tag and where their values stand in the file.
void locate_attributes(const std::string& raw, XmlEntry& entry) {
    std::size_t i = entry.begin + 1;
    auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < entry.end && !is_blank(raw[i]) && raw[i] != '>' && raw[i] != '/') {
        ++i;
    }
    while (i < entry.end) {
        while (i < entry.end && is_blank(raw[i])) {
            ++i;
        }
        const std::size_t name_start = i;
        while (i < entry.end && raw[i] != '=' && !is_blank(raw[i]) && raw[i] != '>' && raw[i] != '/') {
            ++i;
        }
        const std::string name = raw.substr(name_start, i - name_start);
        while (i < entry.end && (is_blank(raw[i]) || raw[i] == '=')) {
            ++i;
        }
        if (name.empty() || i >= entry.end || (raw[i] != '"' && raw[i] != '\'')) {
            return;
        }
        const char quote = raw[i];
        const std::size_t value_start = i + 1;
        const auto value_end = raw.find(quote, value_start);
        if (value_end == std::string::npos || value_end > entry.end) {
            return;
        }
        if (auto found = entry.attributes.find(name); found != entry.attributes.end()) {
            found->second.begin = value_start;
            found->second.end = value_end;
        }
        i = value_end + 1;
    }
}

struct Reader {
    Reader(const SourceText& text, Diagnostics& found) : source(text), diagnostics(found) {}

    const SourceText& source;
    Diagnostics& diagnostics;
    xmlParserCtxtPtr context = nullptr;
    XmlScript script;
    int depth = 0;
    bool failed = false;
    bool in_entry = false;

    std::size_t offset() const { return static_cast<std::size_t>(std::max(0L, xmlByteConsumed(context))); }

    void start(const std::string& name, int attribute_count, const xmlChar** attributes) {
        ++depth;
        const std::size_t at = std::min(offset(), source.text().size());
        if (depth == 1) {
            if (name != "script") {
                error(at, "the root element is <" + name + ">: a CTP anonymizer script is a <script> element");
            }
            return;
        }
        if (depth > 2) {
            if (in_entry) {
                diagnostics.warning(span_at(at), "ctp-xml", "<" + name + "> inside <" + script.entries.back().name +
                                                                 ">: CTP reads the text of both as one");
            }
            return;
        }
        XmlEntry entry;
        entry.name = name;
        const auto& raw = source.text();
        const auto open = raw.rfind('<', at);
        entry.begin = open == std::string::npos ? at : open;
        const auto close = raw.find('>', at);
        entry.end = close == std::string::npos ? raw.size() : close + 1;
        for (int i = 0; i < attribute_count; ++i) {
            const xmlChar** attribute = attributes + static_cast<std::ptrdiff_t>(5 * i);
            std::string value(reinterpret_cast<const char*>(attribute[3]),
                              static_cast<std::size_t>(attribute[4] - attribute[3]));
            entry.attributes[as_string(attribute[0])] = XmlAttribute{decode_attribute(value), entry.begin, entry.end};
        }
        locate_attributes(raw, entry);
        script.entries.push_back(std::move(entry));
        in_entry = true;
    }

    static std::string decode_attribute(const std::string& value) {
        std::string out;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '&') {
                const auto semicolon = value.find(';', i);
                if (semicolon != std::string::npos) {
                    if (auto decoded = entity_value(std::string_view(value).substr(i + 1, semicolon - i - 1))) {
                        out += *decoded;
                        i = semicolon;
                        continue;
                    }
                }
            }
            out += value[i];
        }
        return out;
    }

    void end() {
        if (depth == 2 && in_entry) {
            map_text(source.text(), script.entries.back());
            in_entry = false;
        }
        --depth;
    }

    void text(const char* characters, int length) {
        if (in_entry && length > 0) {
            script.entries.back().text.append(characters, static_cast<std::size_t>(length));
        }
    }

    SourceSpan span_at(std::size_t at) const { return source.span(at, at + 1); }

    void error(std::size_t at, const std::string& message) {
        diagnostics.error(span_at(at), "ctp-xml", message);
        failed = true;
    }
};

Reader& reader_of(void* user) { return *static_cast<Reader*>(user); }

void on_start(void* user, const xmlChar* name, const xmlChar*, const xmlChar*, int, const xmlChar**, int attribute_count,
              int, const xmlChar** attributes) {
    reader_of(user).start(as_string(name), attribute_count, attributes);
}
void on_end(void* user, const xmlChar*, const xmlChar*, const xmlChar*) { reader_of(user).end(); }
void on_text(void* user, const xmlChar* text, int length) {
    reader_of(user).text(reinterpret_cast<const char*>(text), length);
}
void on_doctype(void* user, const xmlChar*, const xmlChar*, const xmlChar*) {
    Reader& reader = reader_of(user);
    reader.error(reader.offset(), "a DOCTYPE is not read: a CTP anonymizer script has none");
    xmlStopParser(reader.context);
}
void on_error(void* user, xmlErrorPtr error) {
    Reader& reader = reader_of(user);
    if (error == nullptr || error->level < XML_ERR_ERROR) {
        return;
    }
    std::string message = error->message != nullptr ? error->message : "malformed XML";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    const auto line = static_cast<std::uint32_t>(std::max(error->line, 1));
    const auto column = static_cast<std::uint32_t>(std::max(error->int2, 1));
    reader.diagnostics.error({reader.source.file(), line, column, column + 1}, "ctp-xml", "malformed XML: " + message);
    reader.failed = true;
}

}  // namespace

std::optional<XmlScript> read_xml_script(const SourceText& source, Diagnostics& diagnostics) {
    xmlInitParser();
    Reader reader(source, diagnostics);
    xmlSAXHandler handler;
    std::memset(&handler, 0, sizeof handler);
    handler.initialized = XML_SAX2_MAGIC;
    handler.startElementNs = &on_start;
    handler.endElementNs = &on_end;
    handler.characters = &on_text;
    handler.cdataBlock = &on_text;
    handler.internalSubset = &on_doctype;
    handler.serror = &on_error;
    reader.context = xmlCreatePushParserCtxt(&handler, &reader, nullptr, 0, source.file().c_str());
    if (reader.context == nullptr) {
        diagnostics.error({source.file(), 0, 0, 0}, "ctp-xml", "cannot start the XML parser");
        return std::nullopt;
    }
    xmlCtxtUseOptions(reader.context, XML_PARSE_NONET);
    const auto& text = source.text();
    xmlParseChunk(reader.context, text.data(), static_cast<int>(text.size()), 1);
    xmlFreeParserCtxt(reader.context);
    if (reader.failed) {
        return std::nullopt;
    }
    return std::move(reader.script);
}

}  // namespace deid::ctp
