#include "ctp/recipe_writer.hpp"

#include "ctp/source_text.hpp"

namespace deid::ctp {
namespace {

// A line of the CTP file as a comment: printable, on one line, not too long.
std::string quoted_line(const SourceText& source, const SourceSpan& span) {
    std::string_view line = source.line(span.line);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        line.remove_prefix(1);
    }
    std::string out;
    for (const char c : line) {
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    constexpr std::size_t kLongest = 160;
    if (out.size() > kLongest) {
        out = out.substr(0, kLongest) + "...";
    }
    return out;
}

class Writer {
public:
    Writer(const ast::Recipe& recipe, std::string_view source) : recipe_(recipe), source_(recipe.file, std::string(source)) {}

    std::string write() {
        for (const auto& section : recipe_.sections) {
            std::visit([this](const auto& s) { write_section(s); }, section);
        }
        return out_;
    }

private:
    void origin(const SourceSpan& span) {
        if (span.line == 0) {
            return;
        }
        out_ += "# " + recipe_.file + ":" + std::to_string(span.line) + ": " + quoted_line(source_, span) + "\n";
    }

    void write_section(const ast::HeaderSection& section) {
        out_ += "%header\n";
        for (const auto& action : section.actions) {
            origin(action.span);
            out_ += action.keyword + " " + action.field.text;
            if (action.value) {
                out_ += " " + action.value->text;
            }
            out_ += "\n";
        }
    }

    void write_section(const ast::FilterSection& section) {
        out_ += "%filter " + section.name + "\n";
        for (const auto& label : section.labels) {
            out_ += "\n";
            origin(label.span);
            out_ += "LABEL " + label.name + "\n";
            for (const auto& line : label.lines) {
                out_ += "  ";
                if (line.connective == ast::Connective::all_of) {
                    out_ += "+ ";
                } else if (line.connective == ast::Connective::any_of) {
                    out_ += "|| ";
                }
                for (const auto& criterion : line.criteria) {
                    if (criterion.connective == ast::Connective::all_of) {
                        out_ += " + ";
                    } else if (criterion.connective == ast::Connective::any_of) {
                        out_ += " || ";
                    }
                    out_ += std::string(ast::keyword(criterion.test)) + " " + criterion.field.text;
                    if (criterion.value) {
                        out_ += " " + *criterion.value;
                    }
                }
                out_ += "\n";
            }
            for (const auto& coordinates : label.coordinates) {
                out_ += std::string("  ") + (coordinates.ctp ? "ctp" : "") +
                        (coordinates.mask == ast::RegionMask::keep ? "keepcoordinates " : "coordinates ") +
                        coordinates.text + "\n";
            }
        }
    }

    void write_section(const ast::FieldsSection&) {}
    void write_section(const ast::ValuesSection&) {}
    void write_section(const ast::LabelsSection&) {}

    const ast::Recipe& recipe_;
    SourceText source_;
    std::string out_;
};

}  // namespace

std::string write_sections(const ast::Recipe& recipe, std::string_view source) { return Writer(recipe, source).write(); }

}  // namespace deid::ctp
