// CTP's DicomPixelAnonymizer library as `%filter graylist` LABELs, and a
// DicomFilter script as a `%filter blacklist` LABEL.

#include "ctp/conditions.hpp"
#include "ctp/translations.hpp"
#include "grammar/ctp/pixel_script.hpp"

namespace deid::ctp {
namespace {

ast::Recipe recipe_with(const SourceText& source, ast::FilterSection section) {
    ast::Recipe recipe;
    recipe.file = source.file();
    recipe.format = ast::FormatDecl{source.span(0, 0), "dicom"};
    recipe.sections.emplace_back(std::move(section));
    return recipe;
}

// A LABEL name the recipe language holds: no '#' (a comment there).
std::string label_name(const std::string& heading) {
    std::string name;
    for (const char c : heading) {
        if (c != '#' && static_cast<unsigned char>(c) >= 0x20) {
            name += c;
        }
    }
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
        name.pop_back();
    }
    return name.empty() ? "CTP signature" : name;
}

}  // namespace

ast::Recipe translate_pixel_script(const SourceText& source, const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    const PixelScript script = read_pixel_script(source.text());
    for (const auto& error : script.errors) {
        diagnostics.error(source.span(error.range.begin, error.range.end), "ctp-syntax", error.message);
    }
    for (const auto& warning : script.warnings) {
        diagnostics.warning(source.span(warning.range.begin, warning.range.end), "ctp-region", warning.message);
    }
    ast::FilterSection graylist;
    graylist.span = source.span(0, 0);
    graylist.name = "graylist";
    if (!script.errors.empty()) {
        return recipe_with(source, std::move(graylist));
    }
    if (script.signatures.empty()) {
        diagnostics.warning(source.span(0, 0), "ctp-pixel", "no signature { condition } (x,y,w,h) in this pixel script");
    }
    for (const auto& signature : script.signatures) {
        const std::size_t base = signature.condition_range.begin;
        const LocateRange locate = [&](TextRange range) { return source.span(base + range.begin, base + range.end); };
        const SourceSpan span = source.span(signature.range.begin, signature.range.begin + 1);
        const auto parsed = parse_condition(signature.condition_text);
        if (!parsed.errors.empty()) {
            const auto& error = parsed.errors.front();
            diagnostics.error(locate(error.range), "ctp-syntax", error.message);
            continue;
        }
        bool never = false;
        auto lines = criterion_lines(*parsed.condition, false, dictionary, locate, diagnostics, never);
        if (!lines) {
            continue;
        }
        if (never) {
            diagnostics.warning(span, "ctp-pixel", "this signature's condition never holds: CTP never uses its regions");
            continue;
        }
        if (signature.regions.empty()) {
            diagnostics.warning(span, "ctp-pixel",
                                "this signature has no region (x,y,w,h): CTP blanks nothing for it (and looks no further)");
            continue;
        }
        ast::Label label;
        label.span = span;
        label.name = label_name(signature.name);
        label.lines = std::move(*lines);
        for (const auto& region : signature.regions) {
            const std::string text = std::to_string(region.x) + "," + std::to_string(region.y) + "," +
                                     std::to_string(region.width) + "," + std::to_string(region.height);
            const SourceSpan region_span = source.span(region.range.begin, region.range.end);
            label.coordinates.push_back(ast::CoordinatesLine{region_span, ast::RegionMask::blank, true, text, region_span,
                                                             ast::RegionRect{{region.x, region.y, region.width, region.height}}});
        }
        graylist.labels.push_back(std::move(label));
    }
    return recipe_with(source, std::move(graylist));
}

ast::Recipe translate_filter_script(const SourceText& source, const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    ast::FilterSection blacklist;
    blacklist.span = source.span(0, 0);
    blacklist.name = "blacklist";
    const LocateRange locate = [&](TextRange range) { return source.span(range.begin, range.end); };
    const auto parsed = parse_condition(source.text());
    if (!parsed.errors.empty()) {
        const auto& error = parsed.errors.front();
        diagnostics.error(locate(error.range), "ctp-syntax", error.message);
        return recipe_with(source, std::move(blacklist));
    }
    // CTP's DicomFilter passes the files its condition holds for; the others
    // are the ones to hold back: the blacklist flags where it does not hold.
    bool never = false;
    auto lines = criterion_lines(*parsed.condition, true, dictionary, locate, diagnostics, never);
    if (lines && lines->empty()) {
        diagnostics.error(locate(parsed.condition->range), "ctp-filter",
                          "this filter passes no file at all: a blacklist that flags every file cannot be written");
    } else if (lines && !never) {
        std::string name = source.file();
        if (const auto slash = name.find_last_of('/'); slash != std::string::npos) {
            name = name.substr(slash + 1);
        }
        ast::Label label;
        label.span = locate(parsed.condition->range);
        label.span.end_column = label.span.column + 1;
        label.name = "rejected by CTP filter " + name;
        label.lines = std::move(*lines);
        blacklist.labels.push_back(std::move(label));
    }
    return recipe_with(source, std::move(blacklist));
}

}  // namespace deid::ctp
