#pragma once

#include <tao/pegtl.hpp>

#include "grammar/ctp/condition_grammar.hpp"

namespace deid::ctp {

namespace cr = condition_rules;

// clang-format off
template <typename> inline constexpr const char* condition_error = nullptr;
template <> inline constexpr auto condition_error<cr::unary> = "expected a condition: Element.method(\"value\"), true, false, '!' or '('";
template <> inline constexpr auto condition_error<cr::method_call> = "expected .method(\"value\") after the element, e.g. Modality.equals(\"CT\")";
template <> inline constexpr auto condition_error<cr::value_end> = "unterminated string: missing closing '\"'";
template <> inline constexpr auto condition_error<cr::bracket_end> = "missing ']' after the tag";
template <> inline constexpr auto condition_error<cr::group_end> = "missing ')'";
template <> inline constexpr auto condition_error<cr::condition_end> = "unexpected text: expected '*' (and), '+' (or) or the end of the condition";
// clang-format on

struct condition_error_table {
    template <typename Rule>
    static constexpr auto message = condition_error<Rule>;
};

template <typename Rule>
using condition_control = tao::pegtl::must_if<condition_error_table>::control<Rule>;

}  // namespace deid::ctp
