#pragma once

// The recipe as written: one node per construct of the language
// (shared/spec/recipe-language.md), each with the span of text it came from.
// Nothing here is bound to the DICOM dictionary yet; that is the resolver's job.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "interpreter/ast/source_span.hpp"

namespace deid::ast {

// ---------------------------------------------------------------- fields --

// A DICOM keyword, dictionary name, legacy/CTP alias, or a nested name
// (`ReferencedSeriesSequence__SeriesInstanceUID`) or path id
// (`(0008,1115)__0__(0020,000E)`) as written.
struct NamedField {
    std::string name;
};

// `(0010,0010)` or `00100010`.
struct TagField {
    std::uint16_t group = 0;
    std::uint16_t element = 0;
};

// `GGGG,"CREATOR",EE` or `(GGGG,"CREATOR",EE)`: the element whose private
// creator is CREATOR, whatever block the creator was given.
struct PrivateCreatorField {
    std::uint16_t group = 0;
    std::string creator;
    std::uint8_t element_offset = 0;  // the low byte EE
};

enum class PatternKind { startswith, endswith, contains, except };

// `startswith:X`, `endswith:X`, `contains:X`, `except:X` (and the aliases
// `allexcept:X`, `exceptfields:X` of `except:`). `pattern` is a regex.
struct PatternField {
    PatternKind kind = PatternKind::contains;
    std::string spelling;  // the expander as written, e.g. "allexcept"
    std::string pattern;
    SourceSpan pattern_span;
};

// `ALL`, `all`, or the alias `allfields`.
struct AllFields {
    std::string spelling;
};

enum class SelectBy { group, vr };

// `select:group:GGGG` or `select:VR:XX`.
struct SelectField {
    SelectBy by = SelectBy::group;
    std::string argument;
    SourceSpan argument_span;
};

enum class GroupKind { fields, values };

// `fields:NAME` or `values:NAME`.
struct GroupField {
    GroupKind kind = GroupKind::fields;
    std::string name;
    SourceSpan name_span;
};

using FieldSelector =
    std::variant<NamedField, TagField, PrivateCreatorField, PatternField, AllFields, SelectField, GroupField>;

struct FieldExpr {
    SourceSpan span;
    std::string text;  // exactly as written
    FieldSelector selector;
};

// ---------------------------------------------------------------- values --

struct LiteralValue {
    std::string text;
};

// `var:NAME`
struct VariableValue {
    std::string name;
};

// `func:NAME` — a user (Lua) function.
struct FunctionValue {
    std::string name;
};

struct BuiltinOption {
    SourceSpan span;
    std::string key;
    std::string value;
};

// `deid_func:NAME key=value ...`
struct BuiltinValue {
    std::string name;
    SourceSpan name_span;
    std::vector<BuiltinOption> options;
};

struct Value {
    SourceSpan span;
    std::string text;  // the value as written, trailing comment removed
    std::variant<LiteralValue, VariableValue, FunctionValue, BuiltinValue> kind;
};

// ------------------------------------------------------------- %header --

enum class ActionKind { add, blank, jitter, keep, replace, remove };

// A `# comment` after a statement, on the same line.
struct TrailingComment {
    SourceSpan span;
    std::string text;  // from '#' on, trailing blanks trimmed
};

struct HeaderAction {
    SourceSpan span;  // the action keyword
    ActionKind kind = ActionKind::add;
    FieldExpr field;
    std::optional<Value> value;
    std::string keyword;  // the action keyword as written ("REMOVE", "remove")
    std::optional<TrailingComment> comment;
};

// ------------------------------------------------------------- %filter --

enum class CriterionTest { contains, notcontains, equals, notequals, missing, present, empty };

// The test as a recipe writes it.
constexpr std::string_view keyword(CriterionTest test) {
    switch (test) {
        case CriterionTest::contains: return "contains";
        case CriterionTest::notcontains: return "notcontains";
        case CriterionTest::equals: return "equals";
        case CriterionTest::notequals: return "notequals";
        case CriterionTest::missing: return "missing";
        case CriterionTest::present: return "present";
        case CriterionTest::empty: return "empty";
    }
    return "";
}

// How a criterion joins what stands before it: `+` (and), `||` (or), or
// nothing (the first criterion of a check).
enum class Connective { none, all_of, any_of };

struct Criterion {
    SourceSpan span;  // the test keyword
    Connective connective = Connective::none;
    CriterionTest test = CriterionTest::contains;
    FieldExpr field;                   // a keyword or `0xGGGGEEEE`
    std::optional<std::string> value;  // rest of the criterion, trimmed
    SourceSpan value_span;
};

// One line of criteria. `connective` is the line's leading operator;
// criteria[0].connective is always none, later ones are inline operators.
struct CriterionLine {
    SourceSpan span;
    Connective connective = Connective::none;
    std::vector<Criterion> criteria;
};

enum class RegionMask { blank, keep };

struct RegionRect {
    std::vector<std::int64_t> numbers;  // as written; four are required
};
struct RegionAll {};
struct RegionFrom {
    FieldExpr field;
};

// `coordinates`, `keepcoordinates`, `ctpcoordinates`, `ctpkeepcoordinates`.
struct CoordinatesLine {
    SourceSpan span;
    RegionMask mask = RegionMask::blank;
    bool ctp = false;  // x,y,width,height rather than xmin,ymin,xmax,ymax
    std::string text;  // the region as written
    SourceSpan region_span;
    std::variant<RegionRect, RegionAll, RegionFrom> region;
};

struct Label {
    SourceSpan span;
    std::string name;
    std::vector<CriterionLine> lines;
    std::vector<CoordinatesLine> coordinates;  // in recipe order
};

// ----------------------------------------------------- %fields, %values --

struct FieldsEntry {
    SourceSpan span;
    FieldExpr field;
};

struct SplitOptions {
    std::string separator = " ";
    std::int64_t minimum_length = 1;
    SourceSpan span;
    bool legacy_splitval = false;  // written `splitval=` rather than `by=`
};

enum class ValuesEntryKind { field, split };

struct ValuesEntry {
    SourceSpan span;
    ValuesEntryKind kind = ValuesEntryKind::field;
    FieldExpr field;
    std::optional<SplitOptions> split;
};

// ------------------------------------------------------------- %labels --

struct MetadataEntry {
    SourceSpan span;
    std::string key;
    std::string value;
};

// ------------------------------------------------------------ sections --

struct HeaderSection {
    SourceSpan span;
    std::vector<HeaderAction> actions;
};

struct FilterSection {
    SourceSpan span;
    std::string name;
    std::vector<Label> labels;
};

struct FieldsSection {
    SourceSpan span;
    std::string name;
    std::vector<FieldsEntry> entries;
};

struct ValuesSection {
    SourceSpan span;
    std::string name;
    std::vector<ValuesEntry> entries;
};

struct LabelsSection {
    SourceSpan span;
    std::vector<MetadataEntry> entries;
};

using Section = std::variant<HeaderSection, FilterSection, FieldsSection, ValuesSection, LabelsSection>;

struct FormatDecl {
    SourceSpan span;
    std::string format;  // lower-cased; only "dicom" exists
};

// One recipe file, sections in the order written.
struct Recipe {
    std::string file;
    std::optional<FormatDecl> format;
    std::vector<Section> sections;
};

}  // namespace deid::ast
