#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/ast/combine.hpp"
#include "interpreter/diagnostics/diagnostic.hpp"
#include "interpreter/dictionary/element_dictionary.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// Binds field expressions to selectors: names through the dictionary
// (keywords, dictionary names, legacy and CTP aliases), tags, private-creator
// forms, expanders (regexes compiled here, once), and group references.
class FieldBinder {
public:
    FieldBinder(const ElementDictionary& dictionary, const ast::CombinedRecipe& recipe, Diagnostics& diagnostics);

    // A field of %header, %fields or %values; nullopt when it does not bind
    // (the reason is reported).
    std::optional<plan::BoundField> bind(const ast::FieldExpr& field);

    // A filter field: a keyword or 0xGGGGEEEE tag.
    std::optional<plan::BoundField> bind_filter_field(const ast::FieldExpr& field);

    // The dictionary entry a plain name or tag stands for, if any.
    std::optional<DictionaryEntry> entry_of(const ast::FieldExpr& field) const;

    // The tag a built-in's element option names, as "(GGGG,EEEE)": a
    // keyword or alias (bound and checked as a field name is) or a tag
    // written (gggg,eeee) or ggggeeee. nullopt after reporting why not.
    std::optional<std::string> element_tag(const std::string& name, const SourceSpan& span);

    // A case-insensitive regex, or nullptr after reporting why it is invalid.
    std::shared_ptr<const re2::RE2> compile(const std::string& pattern, const SourceSpan& span,
                                            std::string_view what);

private:
    std::optional<plan::Selector> bind_name(const std::string& name, const SourceSpan& span);
    std::optional<plan::Selector> bind_keyword(std::string_view keyword, const SourceSpan& span);
    std::optional<plan::Selector> bind_nested(const std::string& name, const SourceSpan& span);
    std::optional<plan::Selector> bind_pattern(const ast::PatternField& pattern);
    std::optional<plan::Selector> bind_select(const ast::SelectField& select);
    std::optional<plan::Selector> bind_group(const ast::GroupField& group);
    void report_unknown_keyword(std::string_view keyword, const SourceSpan& span);

    const ElementDictionary& dictionary_;
    const ast::CombinedRecipe& recipe_;
    Diagnostics& diagnostics_;
};

plan::TagMatch tag_match_of(const DictionaryEntry& entry);
std::string tag_text(std::uint16_t group, std::uint16_t element);  // "(0010,0010)"

}  // namespace deid
