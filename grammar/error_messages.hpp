#pragma once

// Every fixed syntax-error message of the recipe language, in one table.
// A rule listed here must match once the parser reached it: when it fails,
// parsing of that line stops with this message (see recover_statement).
// Messages that name what was found (unknown words with a suggestion) are
// raised by the builder's actions instead.

#include <tao/pegtl.hpp>

#include "grammar/recipe_grammar.hpp"

namespace deid::grammar {

namespace r = rules;

// clang-format off
template <typename> inline constexpr const char* error_message = nullptr;

// Statements: these cannot fail on a non-blank line (each ends in a catch-all
// alternative whose action reports what was found), but must_if needs a text.
template <> inline constexpr auto error_message<r::preamble_statement> = "expected 'FORMAT dicom' or a section";
template <> inline constexpr auto error_message<r::header_statement> = "expected an action (ADD, BLANK, JITTER, KEEP, REPLACE or REMOVE)";
template <> inline constexpr auto error_message<r::filter_statement> = "expected LABEL, a filter criterion or coordinates";
template <> inline constexpr auto error_message<r::fields_statement> = "expected FIELD";
template <> inline constexpr auto error_message<r::values_statement> = "expected FIELD or SPLIT";
template <> inline constexpr auto error_message<r::labels_statement> = "expected 'ADD KEY VALUE'";
template <> inline constexpr auto error_message<r::unknown_section_line> = "unknown section";

// Sections
template <> inline constexpr auto error_message<r::section_without_name<r::header_directive>> = "%header takes no name";
template <> inline constexpr auto error_message<r::section_without_name<r::labels_directive>> = "%labels takes no name";
template <> inline constexpr auto error_message<r::section_with_name<r::filter_directive>> = "%filter needs a group name, e.g. '%filter graylist'";
template <> inline constexpr auto error_message<r::section_with_name<r::fields_directive>> = "%fields needs a group name, e.g. '%fields patient_info'";
template <> inline constexpr auto error_message<r::section_with_name<r::values_directive>> = "%values needs a group name, e.g. '%values cookie_names'";
template <> inline constexpr auto error_message<r::format_rest> = "expected a format name after FORMAT, e.g. 'FORMAT dicom'";

// Field expressions
template <> inline constexpr auto error_message<r::action_field> = "expected a field after the action";
template <> inline constexpr auto error_message<r::group_field> = "expected a field expression";
template <> inline constexpr auto error_message<r::field_expr> = "expected a field: a DICOM keyword, a tag (gggg,eeee) or ggggeeee, a private-creator form GGGG,\"CREATOR\",EE, or an expander such as contains:X";
template <> inline constexpr auto error_message<r::field_end> = "unexpected character in field expression";
template <> inline constexpr auto error_message<r::paren_body> = "malformed tag: expected (gggg,eeee) with four hexadecimal digits each, or (gggg,\"CREATOR\",ee)";
template <> inline constexpr auto error_message<r::bare_private_rest> = "malformed private-creator form: expected GGGG,\"CREATOR\",EE";
template <> inline constexpr auto error_message<r::closing_quote> = "unterminated string: missing closing '\"'";
template <> inline constexpr auto error_message<r::expander_argument> = "expected a regular expression after the expander, e.g. contains:Patient";
template <> inline constexpr auto error_message<r::select_argument> = "expected select:group:GGGG (four hexadecimal digits) or select:VR:XX";
template <> inline constexpr auto error_message<r::group_reference> = "expected a group name after 'fields:' or 'values:'";

// %header values
template <> inline constexpr auto error_message<r::add_value> = "ADD needs a value after the field";
template <> inline constexpr auto error_message<r::replace_value> = "REPLACE needs a value after the field";
template <> inline constexpr auto error_message<r::jitter_value> = "JITTER needs a value after the field (a number of days, var:NAME or func:NAME)";
template <> inline constexpr auto error_message<r::blank_end> = "BLANK takes no value: unexpected text after the field";
template <> inline constexpr auto error_message<r::keep_end> = "KEEP takes no value: unexpected text after the field";
template <> inline constexpr auto error_message<r::variable_reference> = "expected one variable name after 'var:'";
template <> inline constexpr auto error_message<r::function_reference> = "expected one function name after 'func:'";
template <> inline constexpr auto error_message<r::builtin_call> = "expected a built-in name after 'deid_func:' followed only by key=value options";

// %filter
template <> inline constexpr auto error_message<r::label_name_required> = "LABEL needs a name";
template <> inline constexpr auto error_message<r::expected_criterion> = "expected a filter test (contains, notcontains, equals, notequals, missing, present or empty)";
template <> inline constexpr auto error_message<r::criterion_field> = "expected a field after the test: a DICOM keyword or a tag written 0xGGGGEEEE";
template <> inline constexpr auto error_message<r::criterion_required_value> = "contains, notcontains, equals and notequals need a value after the field";
template <> inline constexpr auto error_message<r::criterion_end> = "unexpected text after the criterion (missing, present and empty take no value)";
template <> inline constexpr auto error_message<r::region> = "expected 'all', 'from:Field' or four comma-separated integers xmin,ymin,xmax,ymax";

// %fields, %values, %labels
template <> inline constexpr auto error_message<r::field_end_of_line> = "FIELD takes one field expression: unexpected text after it";
template <> inline constexpr auto error_message<r::split_end_of_line> = "unexpected text after SPLIT options (expected by=\"c\";minlength=n)";
template <> inline constexpr auto error_message<r::metadata_entry> = "expected 'ADD KEY VALUE' in %labels";
// clang-format on

// must_if takes the table through a class template member.
struct error_table {
    template <typename Rule>
    static constexpr auto message = error_message<Rule>;
};

template <typename Rule>
using control = tao::pegtl::must_if<error_table>::control<Rule>;

}  // namespace deid::grammar
