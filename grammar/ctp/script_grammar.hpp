#pragma once

// The function language of RSNA CTP anonymizer scripts as a PEG, following
// what CTP's DICOMAnonymizer.makeReplacement and FnCall read:
//
//   script   := (escape | call | text)*
//   call     := '@' name blanks '(' argument (',' argument)* ')' clauses
//   argument := (escape | "quoted" | [bracketed] | (parenthesised) | other)*
//
// `\x` stands for x anywhere. `@if`/`@select` take two `{...}` clauses and
// `@append` one; a clause is a script again, braces inside it nest. CTP
// reads a stray '@' or a call it cannot close as the end of the script and
// drops the rest silently; here they are errors (script_errors.hpp). Rules
// that must match once reached are wrapped in must<>: the parse-tree control
// raises only through must<> for rules that are not tree nodes.

#include <tao/pegtl.hpp>

namespace deid::ctp::script_rules {

namespace pegtl = tao::pegtl;
using pegtl::any;
using pegtl::at;
using pegtl::eof;
using pegtl::must;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::ranges;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;

// Java's Character.isWhitespace for the ASCII range.
struct blank : one<' ', '\t', '\n', '\r', '\f', '\v', '\x1c', '\x1d', '\x1e', '\x1f'> {};
struct blanks : star<blank> {};

struct escape : seq<one<'\\'>, opt<any>> {};

// ------------------------------------------------------------- arguments --

struct quote_end : one<'"'> {};
struct quoted : seq<one<'"'>, star<sor<escape, not_one<'"'>>>, quote_end> {};
struct bracket_end : one<']'> {};
struct bracketed;
struct parenthesised;
struct bracketed : seq<one<'['>, star<sor<escape, quoted, bracketed, not_one<']'>>>, bracket_end> {};
struct parenthesis_end : one<')'> {};
struct parenthesised : seq<one<'('>, star<sor<escape, quoted, parenthesised, bracketed, not_one<')'>>>, parenthesis_end> {};
struct argument_char : not_one<',', ')', '"', '[', '(', '\\'> {};
struct argument : star<sor<escape, quoted, bracketed, parenthesised, argument_char>> {};
struct arguments : seq<argument, star<one<','>, argument>> {};

// ------------------------------------------------------------------ calls --

struct name_char : ranges<'a', 'z', 'A', 'Z', '0', '9', '_', '_'> {};
struct function_name : seq<ranges<'a', 'z', 'A', 'Z'>, star<name_char>> {};
struct open_arguments : seq<blanks, one<'('>> {};
struct close_arguments : one<')'> {};

struct clause_body;
struct clause_end : one<'}'> {};
struct clause : seq<one<'{'>, clause_body, clause_end> {};
struct open_clause : seq<blanks, at<one<'{'>>> {};
struct first_clause : seq<open_clause, clause> {};
struct second_clause : seq<open_clause, clause> {};

template <typename Name>
struct named : seq<Name, not_at<name_char>> {};
struct two_clause_name : sor<named<TAO_PEGTL_STRING("if")>, named<TAO_PEGTL_STRING("select")>> {};
struct one_clause_name : named<TAO_PEGTL_STRING("append")> {};

struct call_arguments : seq<must<open_arguments>, arguments, close_arguments> {};
struct two_clause_call : seq<two_clause_name, call_arguments, must<first_clause>, must<second_clause>> {};
struct one_clause_call : seq<one_clause_name, call_arguments, must<first_clause>> {};
struct plain_call : seq<function_name, call_arguments> {};
struct call_body : sor<two_clause_call, one_clause_call, plain_call> {};
struct call : seq<one<'@'>, must<call_body>> {};

// ----------------------------------------------------------------- script --

struct text : plus<not_one<'@', '\\'>> {};
struct clause_text : plus<not_one<'@', '\\', '{', '}'>> {};
// Braces inside a clause that open no clause of a call are text; they nest.
struct literal_braces : seq<one<'{'>, clause_body, clause_end> {};
struct clause_body : star<sor<escape, call, literal_braces, clause_text>> {};

struct script : seq<star<sor<escape, call, text>>, eof> {};

}  // namespace deid::ctp::script_rules
