#pragma once

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

#include "grammar/statement_error.hpp"

namespace deid::grammar {

// Matches Statement as a must-rule. When it raises a parse error (from the
// error-message table or from an action), the error is handed to the state,
// the rest of the line is skipped, and the match succeeds: parsing resumes on
// the next line. The state must provide begin_statement(),
// syntax_error(const parse_error&), statement_error(const StatementError&)
// and abandon_statement().
template <typename Statement>
struct recover_statement {
    using rule_t = recover_statement;
    using subs_t = tao::pegtl::type_list<Statement>;

    template <tao::pegtl::apply_mode A, tao::pegtl::rewind_mode M, template <typename...> class Action,
              template <typename...> class Control, typename ParseInput, typename State>
    static bool match(ParseInput& in, State& state) {
        state.begin_statement();
        try {
            return Control<tao::pegtl::must<Statement>>::template match<A, M, Action, Control>(in, state);
        } catch (const tao::pegtl::parse_error& error) {
            state.syntax_error(error);
        } catch (const StatementError& error) {
            state.statement_error(error);
        }
        state.abandon_statement();
        // No rule inside a statement consumes a line break, so the error was
        // raised on this line: skip what is left of it.
        while (!in.empty() && in.peek_char() != '\n') {
            in.bump_in_this_line(1);
        }
        return true;
    }
};

}  // namespace deid::grammar

template <typename Name, typename Statement>
struct tao::pegtl::analyze_traits<Name, deid::grammar::recover_statement<Statement>>
    : tao::pegtl::analyze_opt_traits<Statement> {};
