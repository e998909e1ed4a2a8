#pragma once

// The deid recipe language (shared/spec/recipe-language.md) as a PEG.
//
// The language is line oriented and what a line may say depends on the
// section it stands in, so the grammar is structured by section: a recipe is
// a preamble (FORMAT, comments) followed by sections, and each section kind
// has its own statement rule. Every statement is wrapped in
// `recover_statement`, which turns a syntax error into a diagnostic and skips
// the rest of that line, so one pass reports every bad line.
//
// Rules that carry an error message in error_messages.hpp raise when they
// fail (must_if); all other rules fail quietly so alternatives are tried.

#include <tao/pegtl.hpp>

#include "grammar/recover_statement.hpp"

namespace deid::grammar::rules {

namespace pegtl = tao::pegtl;
using pegtl::alnum;
using pegtl::alpha;
using pegtl::any;
using pegtl::at;
using pegtl::digit;
using pegtl::eof;
using pegtl::eol;
using pegtl::list;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::rep;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::string;
using pegtl::xdigit;

// ------------------------------------------------------------- lexical --

struct ws : one<' ', '\t'> {};
struct gap : plus<ws> {};
struct opt_ws : star<ws> {};
struct line_char : not_one<'\n', '\r'> {};
struct comment : seq<one<'#'>, star<line_char>> {};
// Where a statement may end: only blanks and a comment remain on the line.
struct at_line_end : at<opt_ws, sor<one<'#'>, one<'\n'>, one<'\r'>>> {};
struct word_char : sor<alnum, one<'_'>> {};
template <typename Word>
struct keyword : seq<Word, not_at<word_char>> {};
struct word : plus<word_char> {};

// Free text up to a comment or the end of the line (blanks inside kept;
// trailing blanks are trimmed by the builder).
struct rest_of_line : plus<not_one<'#', '\n', '\r'>> {};

struct hex4 : rep<4, xdigit> {};
struct hex2 : rep<2, xdigit> {};
struct integer : seq<opt<one<'-'>>, plus<digit>> {};

// A double-quoted string; `#`, blanks, commas and colons inside are text.
struct quoted_text : star<not_one<'"', '\n', '\r'>> {};
struct closing_quote : one<'"'> {};
struct quoted : seq<one<'"'>, quoted_text, closing_quote> {};

// One whitespace-separated token; quoted parts may contain blanks and `#`.
struct token_char : not_one<' ', '\t', '\n', '\r', '#', '"'> {};
struct token : plus<sor<quoted, token_char>> {};

// ------------------------------------------------------ field expressions --

// (gggg,eeee) and (gggg,"CREATOR",ee), and path ids (gggg,eeee)__0__(...)
struct private_creator : quoted {};
struct private_element_offset : hex2 {};
struct tag_group : hex4 {};
struct tag_element : hex4 {};
struct paren_private_rest : seq<private_creator, one<','>, private_element_offset, one<')'>> {};
struct paren_tag_rest : seq<tag_element, one<')'>> {};
struct paren_body : seq<tag_group, one<','>, sor<paren_private_rest, paren_tag_rest>> {};
struct path_step : sor<seq<one<'('>, hex4, one<','>, hex4, one<')'>>, plus<digit>, word> {};
struct path_tail : plus<string<'_', '_'>, path_step> {};
struct paren_field : seq<one<'('>, paren_body, opt<path_tail>> {};

// GGGG,"CREATOR",EE — committed once `GGGG,` is seen (no keyword has a comma).
struct bare_private_rest : seq<private_creator, one<','>, private_element_offset> {};
struct bare_private_field : seq<tag_group, one<','>, bare_private_rest> {};

// ggggeeee
struct hex_tag_field : seq<tag_group, tag_element, not_at<word_char>> {};

// Expanders: name:argument
struct expander_pattern : token {};
struct expander_argument : expander_pattern {};
struct kw_startswith : keyword<TAO_PEGTL_ISTRING("startswith")> {};
struct kw_endswith : keyword<TAO_PEGTL_ISTRING("endswith")> {};
struct kw_contains_expander : keyword<TAO_PEGTL_ISTRING("contains")> {};
struct kw_except : keyword<TAO_PEGTL_ISTRING("except")> {};
struct kw_allexcept : keyword<TAO_PEGTL_ISTRING("allexcept")> {};
struct kw_exceptfields : keyword<TAO_PEGTL_ISTRING("exceptfields")> {};
struct pattern_expander_name
    : sor<kw_startswith, kw_endswith, kw_contains_expander, kw_except, kw_allexcept, kw_exceptfields> {};
struct pattern_expander : seq<pattern_expander_name, one<':'>, expander_argument> {};

struct select_group_argument : seq<hex4, not_at<word_char>> {};
struct select_vr_argument : seq<rep<2, alpha>, not_at<word_char>> {};
struct select_by_group : seq<keyword<TAO_PEGTL_ISTRING("group")>, one<':'>, select_group_argument> {};
struct select_by_vr : seq<keyword<TAO_PEGTL_ISTRING("vr")>, one<':'>, select_vr_argument> {};
struct select_argument : sor<select_by_group, select_by_vr> {};
struct select_expander : seq<keyword<TAO_PEGTL_ISTRING("select")>, one<':'>, select_argument> {};

struct group_name : plus<sor<word_char, one<'-', '.'>>> {};
struct group_reference : seq<group_name, at<sor<ws, one<'#'>, one<'\n'>, one<'\r'>>>> {};
struct fields_group_expander : seq<keyword<TAO_PEGTL_ISTRING("fields")>, one<':'>, group_reference> {};
struct values_group_expander : seq<keyword<TAO_PEGTL_ISTRING("values")>, one<':'>, group_reference> {};

// Any other `word:` — reported as an unknown expander by the builder.
struct unknown_expander : seq<word, at<one<':'>>> {};

// A keyword, dictionary-style name, alias, `ALL`, or nested name (a__b).
struct named_field : plus<word_char> {};

struct field_expr_body
    : sor<paren_field, bare_private_field, pattern_expander, select_expander, fields_group_expander,
          values_group_expander, unknown_expander, hex_tag_field, named_field> {};
// The field must end at a blank, a comment or the end of the line.
struct field_end : at<sor<ws, one<'#'>, one<'\n'>, one<'\r'>>> {};
struct field_expr : seq<field_expr_body, field_end> {};

// ----------------------------------------------------------------- values --

struct value_name : seq<sor<alpha, one<'_'>>, star<sor<word_char, one<'-', '.'>>>> {};
// Any token: a file's variables include its element values by path id,
// as in var:(0010,0020) (spec §3.1).
struct variable_name : plus<token_char> {};
struct function_name : value_name {};
struct builtin_name : value_name {};
struct option_key : word {};
struct option_value : plus<sor<quoted, token_char>> {};
struct builtin_option : seq<option_key, one<'='>, option_value> {};
struct builtin_options : star<gap, builtin_option> {};

struct variable_reference : seq<variable_name, at_line_end> {};
struct function_reference : seq<function_name, at_line_end> {};
struct builtin_call : seq<builtin_name, builtin_options, at_line_end> {};
struct variable_value : seq<TAO_PEGTL_ISTRING("var:"), variable_reference> {};
struct function_value : seq<TAO_PEGTL_ISTRING("func:"), function_reference> {};
struct builtin_value : seq<TAO_PEGTL_ISTRING("deid_func:"), builtin_call> {};
struct literal_value : rest_of_line {};
struct action_value : sor<variable_value, function_value, builtin_value, literal_value> {};

// ---------------------------------------------------------------- %header --

struct kw_add : keyword<TAO_PEGTL_ISTRING("ADD")> {};
struct kw_blank : keyword<TAO_PEGTL_ISTRING("BLANK")> {};
struct kw_jitter : keyword<TAO_PEGTL_ISTRING("JITTER")> {};
struct kw_keep : keyword<TAO_PEGTL_ISTRING("KEEP")> {};
struct kw_replace : keyword<TAO_PEGTL_ISTRING("REPLACE")> {};
struct kw_remove : keyword<TAO_PEGTL_ISTRING("REMOVE")> {};

// The pieces after the keyword, each with its own error message.
struct action_field : seq<gap, field_expr> {};
struct required_value : seq<gap, action_value> {};
struct add_value : required_value {};
struct replace_value : required_value {};
struct jitter_value : required_value {};
struct remove_value : opt<gap, action_value> {};
struct blank_end : at_line_end {};
struct keep_end : at_line_end {};

struct add_action : seq<kw_add, action_field, add_value> {};
struct replace_action : seq<kw_replace, action_field, replace_value> {};
struct jitter_action : seq<kw_jitter, action_field, jitter_value> {};
struct blank_action : seq<kw_blank, action_field, blank_end> {};
struct keep_action : seq<kw_keep, action_field, keep_end> {};
struct remove_action : seq<kw_remove, action_field, remove_value> {};

// Any other word at the start of a line: reported with a suggestion.
struct unknown_statement : seq<word, star<line_char>> {};
struct stray_text : plus<line_char> {};

struct header_statement
    : sor<add_action, replace_action, jitter_action, blank_action, keep_action, remove_action, unknown_statement,
          stray_text> {};

// ---------------------------------------------------------------- %filter --

struct label_name : rest_of_line {};
struct label_name_required : seq<gap, label_name> {};
struct label_statement : seq<keyword<TAO_PEGTL_ISTRING("LABEL")>, label_name_required> {};

struct and_operator : one<'+'> {};
struct or_operator : string<'|', '|'> {};
struct criterion_operator : sor<or_operator, and_operator> {};

struct test_contains : keyword<TAO_PEGTL_ISTRING("contains")> {};
struct test_notcontains : keyword<TAO_PEGTL_ISTRING("notcontains")> {};
struct test_equals : keyword<TAO_PEGTL_ISTRING("equals")> {};
struct test_notequals : keyword<TAO_PEGTL_ISTRING("notequals")> {};
struct test_missing : keyword<TAO_PEGTL_ISTRING("missing")> {};
struct test_present : keyword<TAO_PEGTL_ISTRING("present")> {};
struct test_empty : keyword<TAO_PEGTL_ISTRING("empty")> {};
struct value_test : sor<test_contains, test_notcontains, test_equals, test_notequals> {};
struct presence_test : sor<test_missing, test_present, test_empty> {};
struct any_test : sor<value_test, presence_test> {};

// An operator inside a line only counts when another criterion follows it,
// so the `+` of `SOMATOM Definition AS+` stays part of the value.
struct inline_operator : seq<opt_ws, criterion_operator, opt_ws, at<any_test, ws>> {};

struct hex_filter_tag : seq<TAO_PEGTL_ISTRING("0x"), tag_group, tag_element, not_at<word_char>> {};
struct filter_field_body : sor<hex_filter_tag, named_field> {};
struct filter_field : seq<filter_field_body, field_end> {};

struct criterion_value_char : seq<not_at<inline_operator>, not_one<'#', '\n', '\r'>> {};
struct criterion_value : plus<criterion_value_char> {};
struct criterion_field : seq<gap, filter_field> {};
struct criterion_required_value : seq<gap, criterion_value> {};
struct value_criterion : seq<value_test, criterion_field, criterion_required_value> {};
struct presence_criterion : seq<presence_test, criterion_field> {};
struct criterion : sor<value_criterion, presence_criterion> {};
// Anything else where a criterion must stand: reported with a suggestion.
struct unknown_criterion : seq<word, star<line_char>> {};
struct expected_criterion : sor<criterion, unknown_criterion> {};

struct leading_operator : seq<criterion_operator, opt_ws> {};
struct criterion_end : at_line_end {};
struct criterion_statement
    : seq<opt<leading_operator>, expected_criterion, star<inline_operator, expected_criterion>, criterion_end> {};

struct kw_coordinates : keyword<TAO_PEGTL_ISTRING("coordinates")> {};
struct kw_keepcoordinates : keyword<TAO_PEGTL_ISTRING("keepcoordinates")> {};
struct kw_ctpcoordinates : keyword<TAO_PEGTL_ISTRING("ctpcoordinates")> {};
struct kw_ctpkeepcoordinates : keyword<TAO_PEGTL_ISTRING("ctpkeepcoordinates")> {};
struct coordinates_keyword : sor<kw_coordinates, kw_keepcoordinates, kw_ctpcoordinates, kw_ctpkeepcoordinates> {};

struct region_all : keyword<TAO_PEGTL_ISTRING("all")> {};
struct region_from : seq<TAO_PEGTL_ISTRING("from:"), filter_field> {};
struct region_number : integer {};
struct region_numbers : list<region_number, one<','>, ws> {};
struct region_body : sor<region_all, region_from, region_numbers> {};
struct region : seq<gap, region_body, at_line_end> {};
struct coordinates_statement : seq<coordinates_keyword, region> {};

struct filter_statement
    : sor<label_statement, coordinates_statement, criterion_statement, stray_text> {};

// ------------------------------------------------------- %fields, %values --

struct kw_field : keyword<TAO_PEGTL_ISTRING("FIELD")> {};
struct kw_split : keyword<TAO_PEGTL_ISTRING("SPLIT")> {};
struct group_field : seq<gap, field_expr> {};
struct field_end_of_line : at_line_end {};
struct field_statement : seq<kw_field, group_field, field_end_of_line> {};

struct split_option_key : word {};
struct split_option_value : sor<quoted, plus<not_one<';', ' ', '\t', '#', '\n', '\r'>>> {};
struct split_option : seq<split_option_key, one<'='>, split_option_value> {};
struct split_options : list<split_option, one<';'>, ws> {};
struct split_end_of_line : at_line_end {};
struct split_statement : seq<kw_split, group_field, opt<gap, split_options>, split_end_of_line> {};

struct fields_statement : sor<field_statement, unknown_statement, stray_text> {};
struct values_statement : sor<field_statement, split_statement, unknown_statement, stray_text> {};

// ---------------------------------------------------------------- %labels --

struct metadata_key : word {};
struct metadata_value : rest_of_line {};
struct metadata_entry : seq<gap, metadata_key, gap, metadata_value> {};
struct metadata_statement : seq<kw_add, metadata_entry> {};
struct labels_statement : sor<metadata_statement, unknown_statement, stray_text> {};

// ------------------------------------------------------------- structure --

struct format_name : word {};
struct format_rest : seq<gap, format_name, at_line_end> {};
struct kw_format : keyword<TAO_PEGTL_ISTRING("FORMAT")> {};
struct format_statement : seq<kw_format, format_rest> {};
struct preamble_statement : sor<format_statement, stray_text> {};

struct section_name : rest_of_line {};
struct header_directive : keyword<TAO_PEGTL_ISTRING("header")> {};
struct filter_directive : keyword<TAO_PEGTL_ISTRING("filter")> {};
struct fields_directive : keyword<TAO_PEGTL_ISTRING("fields")> {};
struct values_directive : keyword<TAO_PEGTL_ISTRING("values")> {};
struct labels_directive : keyword<TAO_PEGTL_ISTRING("labels")> {};
// What follows the section keyword: nothing, or the group name.
template <typename Directive>
struct section_without_name : at_line_end {};
template <typename Directive>
struct section_with_name : seq<gap, section_name> {};
struct unknown_section_line : seq<opt<word>, star<line_char>> {};

// A line of a section body: blank, comment, or one statement.
struct at_section_start : at<opt_ws, one<'%'>> {};
template <typename Statement>
struct body_line : seq<not_at<eof>, not_at<at_section_start>, opt_ws, sor<at<sor<one<'#'>, eol>>, recover_statement<Statement>>,
                       opt_ws, opt<comment>, eol> {};

// The section keyword is matched quietly (so each kind can be tried in
// turn); once it matched, the rest of the line is a statement that must hold.
template <typename Directive, typename DirectiveRest, typename Statement>
struct section_of : seq<Directive, recover_statement<DirectiveRest>, opt_ws, opt<comment>, eol,
                        star<body_line<Statement>>> {};

struct header_section : section_of<header_directive, section_without_name<header_directive>, header_statement> {};
struct filter_section : section_of<filter_directive, section_with_name<filter_directive>, filter_statement> {};
struct fields_section : section_of<fields_directive, section_with_name<fields_directive>, fields_statement> {};
struct values_section : section_of<values_directive, section_with_name<values_directive>, values_statement> {};
struct labels_section : section_of<labels_directive, section_without_name<labels_directive>, labels_statement> {};
// Lines of an unknown section are skipped: the section line itself is the error.
struct skipped_line : seq<not_at<eof>, not_at<at_section_start>, star<line_char>, eol> {};
struct unknown_section : seq<recover_statement<unknown_section_line>, eol, star<skipped_line>> {};

struct section_start : seq<opt_ws, one<'%'>> {};
struct section : seq<section_start, sor<header_section, filter_section, fields_section, values_section,
                                        labels_section, unknown_section>> {};

struct utf8_bom : string<'\xEF', '\xBB', '\xBF'> {};
struct preamble : star<body_line<preamble_statement>> {};
// The parser appends a final newline when the text lacks one, so every line
// ends in eol and no rule can loop without consuming input.
struct recipe : seq<opt<utf8_bom>, preamble, star<section>, eof> {};

}  // namespace deid::grammar::rules
