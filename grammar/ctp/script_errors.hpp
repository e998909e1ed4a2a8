#pragma once

// Every syntax-error message of the CTP function language, in one table: a
// rule listed here must match once the parser reached it (must_if).

#include <tao/pegtl.hpp>

#include "grammar/ctp/script_grammar.hpp"

namespace deid::ctp {

namespace sr = script_rules;

// clang-format off
template <typename> inline constexpr const char* script_error = nullptr;
template <> inline constexpr auto script_error<sr::call_body> = "expected a function call after '@', e.g. @hash(this,10) (a literal '@' is written \\@)";
template <> inline constexpr auto script_error<sr::open_arguments> = "expected '(' after the function name";
template <> inline constexpr auto script_error<sr::close_arguments> = "missing ')' at the end of the arguments";
template <> inline constexpr auto script_error<sr::quote_end> = "unterminated string: missing closing '\"'";
template <> inline constexpr auto script_error<sr::bracket_end> = "missing ']'";
template <> inline constexpr auto script_error<sr::parenthesis_end> = "missing ')' inside an argument";
template <> inline constexpr auto script_error<sr::first_clause> = "expected a clause in braces after the arguments, e.g. @if(this,isblank){@remove()}{@keep()}";
template <> inline constexpr auto script_error<sr::second_clause> = "expected a second clause in braces: @if and @select take {when true}{when false}";
template <> inline constexpr auto script_error<sr::clause_end> = "missing '}' at the end of the clause";
// clang-format on

struct script_error_table {
    template <typename Rule>
    static constexpr auto message = script_error<Rule>;
};

template <typename Rule>
using script_control = tao::pegtl::must_if<script_error_table>::control<Rule>;

}  // namespace deid::ctp
