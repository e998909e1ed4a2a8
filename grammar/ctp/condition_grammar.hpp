#pragma once

// Rules that must match once reached are wrapped in must<> (the parse-tree
// control raises only through must<> for rules that are not tree nodes);
// their messages are in condition_errors.hpp.
//
// RSNA CTP's DicomFilter language (DicomObject.matches) as a PEG. CTP reads
// it with an operator-precedence parser; the precedence it gives the
// operators ('!' 3, '*' 2, '+' 1, all left-associative) is encoded here in
// the usual layered form.

#include <tao/pegtl.hpp>

namespace deid::ctp::condition_rules {

namespace pegtl = tao::pegtl;
using pegtl::alnum;
using pegtl::alpha;
using pegtl::eof;
using pegtl::eolf;
using pegtl::must;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::plus;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::two;
using pegtl::until;

struct comment : seq<two<'/'>, until<eolf>> {};
struct blank : one<' ', '\t', '\n', '\r', '\f', '\v'> {};
struct separator : star<sor<blank, comment>> {};

struct bracket_end : one<']'> {};
struct bracketed_element : seq<one<'['>, plus<not_one<']', '\n'>>, bracket_end> {};
struct named_element : seq<alpha, star<sor<alnum, one<'_', ':'>>>> {};
struct element : sor<bracketed_element, named_element> {};

struct method : plus<alpha> {};
struct value_text : star<not_one<'"'>> {};
struct value_end : one<'"'> {};
struct quoted_value : seq<one<'"'>, value_text, value_end> {};
struct method_call : seq<separator, one<'.'>, separator, method, separator, one<'('>, separator, quoted_value, separator,
                         one<')'>> {};

template <typename Word>
struct word : seq<Word, not_at<sor<alnum, one<'_', '.', ':'>>>> {};
struct constant_true : word<TAO_PEGTL_STRING("true")> {};
struct constant_false : word<TAO_PEGTL_STRING("false")> {};

struct comparison : seq<element, must<method_call>> {};

struct disjunction;
struct group_end : one<')'> {};
struct group : seq<one<'('>, separator, disjunction, group_end> {};
struct negation;
struct operand : sor<group, constant_true, constant_false, comparison> {};
struct unary : seq<sor<negation, operand>, separator> {};
struct negation : seq<one<'!'>, separator, must<unary>> {};
struct and_operator : seq<one<'*'>, separator> {};
struct or_operator : seq<one<'+'>, separator> {};
struct conjunction : seq<must<unary>, star<and_operator, must<unary>>> {};
struct disjunction : seq<conjunction, star<or_operator, conjunction>> {};
struct condition_end : eof {};
struct condition : seq<separator, disjunction, condition_end> {};

}  // namespace deid::ctp::condition_rules
