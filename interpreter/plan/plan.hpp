#pragma once

// The resolved plan: the recipe with every name bound to DICOM elements,
// every regex compiled and every built-in looked up. It is read-only and
// shared by all workers; evaluation never looks at recipe text again.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <re2/re2.h>

#include "interpreter/ast/ast.hpp"
#include "stdlib/builtins.hpp"

namespace deid::plan {

// ----------------------------------------------------------- selectors --

// A standard element, wherever it stands (top level or inside sequences).
struct TagMatch {
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    // Repeating groups such as (60xx,3000) match every group under this mask
    // (0xFF01: the even groups of the range).
    std::uint16_t group_mask = 0xFFFF;
};

// A private element by its creator, whatever block the creator was given.
struct PrivateMatch {
    std::uint16_t group = 0;
    std::string creator;
    std::uint8_t element_offset = 0;
};

// A nested name (`Seq__Keyword`) or path id (`(0008,1115)__0__(0020,000E)`),
// compared case-insensitively with the element's own.
struct NestedNameMatch {
    std::string name;
};

// startswith/endswith/contains (selects matching elements) and except
// (selects the others). The regex already carries the anchoring.
struct PatternMatch {
    std::shared_ptr<const re2::RE2> regex;
    ast::PatternKind kind = ast::PatternKind::contains;
    bool negated() const { return kind == ast::PatternKind::except; }
};

struct AllMatch {};

struct GroupMatch {
    std::uint16_t group = 0;
};

struct VrMatch {
    std::string vr;
};

// Index into Plan::fields / Plan::values.
struct FieldsGroupMatch {
    std::size_t index = 0;
};
struct ValuesGroupMatch {
    std::size_t index = 0;
};

using Selector = std::variant<TagMatch, PrivateMatch, NestedNameMatch, PatternMatch, AllMatch, GroupMatch, VrMatch,
                              FieldsGroupMatch, ValuesGroupMatch>;

struct BoundField {
    Selector selector;
    std::string text;  // as written in the recipe
    SourceSpan span;
};

// --------------------------------------------------------------- values --

struct LiteralSource {
    std::string text;
};
struct VariableSource {
    std::string name;
};
struct FunctionSource {
    std::string name;
};
struct BuiltinSource {
    const stdlib::Builtin* builtin = nullptr;
    std::map<std::string, std::string> options;
};
using ValueSource = std::variant<LiteralSource, VariableSource, FunctionSource, BuiltinSource>;

// ------------------------------------------------------------- %header --

struct HeaderAction {
    ast::ActionKind kind = ast::ActionKind::add;
    BoundField field;
    std::optional<ValueSource> value;
    std::string value_text;
    SourceSpan span;
};

// ---------------------------------------------------- %fields, %values --

struct FieldsGroup {
    std::string name;
    std::vector<BoundField> fields;
};

struct Split {
    std::string separator;
    std::size_t minimum_length = 1;
};

struct ValuesSource {
    BoundField field;
    std::optional<Split> split;
};

struct ValuesGroup {
    std::string name;
    std::vector<ValuesSource> sources;
};

enum class GroupKind { fields, values };

// A %fields or %values group, by its index in Plan::fields / Plan::values.
struct GroupRef {
    GroupKind kind = GroupKind::fields;
    std::size_t index = 0;
    friend bool operator==(const GroupRef&, const GroupRef&) = default;
};

// ------------------------------------------------------------- %filter --

struct FilterCriterion {
    ast::Connective connective = ast::Connective::none;
    ast::CriterionTest test = ast::CriterionTest::contains;
    BoundField field;
    std::string value;                            // as written, trimmed
    std::shared_ptr<const re2::RE2> regex;        // contains, notcontains
    std::vector<std::string> alternatives;        // equals, notequals: lower-cased, trimmed
    SourceSpan span;
};

struct FilterLine {
    ast::Connective connective = ast::Connective::none;
    std::vector<FilterCriterion> criteria;
};

struct Rect {
    std::int64_t xmin = 0;
    std::int64_t ymin = 0;
    std::int64_t xmax = 0;
    std::int64_t ymax = 0;
};
struct WholeImage {};
struct RegionsFrom {
    BoundField sequence;
};

struct Region {
    ast::RegionMask mask = ast::RegionMask::blank;
    std::variant<Rect, WholeImage, RegionsFrom> area;
    SourceSpan span;
};

struct FilterLabel {
    std::string name;
    SourceSpan span;
    std::vector<FilterLine> lines;
    std::vector<Region> regions;  // in recipe order
};

struct FilterGroup {
    std::string name;
    std::vector<FilterLabel> labels;
};

// ----------------------------------------------------------------- plan --

struct Plan {
    std::vector<std::string> files;
    std::vector<HeaderAction> actions;  // in recipe order
    std::vector<FilterGroup> filters;
    std::vector<FieldsGroup> fields;
    std::vector<ValuesGroup> values;
    // Every group after the groups it names: the order a file computes them in.
    std::vector<GroupRef> group_order;
    std::vector<ast::MetadataEntry> labels;
};

}  // namespace deid::plan
