#!/usr/bin/env bash
# deid.1 and the bash completion, as built, against the program's --help:
# `man ./deid.1` renders a section for every command naming each of its
# options, groff finds nothing to warn about, and the completion offers
# every command and every option of each.
#   help_pages_test.sh DEID MAN_PAGE COMPLETION
set -euo pipefail
deid=$1 man_page=$2 completion=$3
fail() { echo "help_pages_test: $*" >&2; exit 1; }

commands=$("$deid" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[[ -n $commands ]] || fail "deid --help lists no commands"
# Every option name of a command's --help: "-o,--output TEXT" gives -o and --output.
options_of() { "$deid" "$1" --help | sed -n '/^Options:/,/^$/p' | awk 'NR > 1 && /^  -/ { print $1 }' | tr ',' '\n'; }

warnings=$(groff -man -ww -z "$man_page" 2>&1) || fail "groff: $warnings"
[[ -z $warnings ]] || fail "groff warns: $warnings"
rendered=$(MANWIDTH=250 man -l "$man_page" 2>&1) || fail "man -l $man_page failed: $rendered"
grep -q "^SYNOPSIS" <<<"$rendered" || fail "no SYNOPSIS in the rendered page"
for command in $commands; do
  section=$(awk -v heading="   deid $command" '$0 == heading { on = 1; next } /^   deid / || /^[A-Z]/ { on = 0 } on' <<<"$rendered")
  [[ -n $section ]] || fail "man page: no section for 'deid $command'"
  for option in $(options_of "$command"); do
    grep -qE "(^|[ ,])$option([ ,]|$)" <<<"$section" || fail "man page: 'deid $command' does not name $option"
  done
done

# The completion, as bash runs it after the user presses Tab.
complete_line() {
  bash -c 'source "$1"; shift; compopt() { :; }; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _deid; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$completion" "$@"
}
offered=$(complete_line deid "")
for command in $commands; do
  grep -qx "$command" <<<"$offered" || fail "completion: 'deid <Tab>' does not offer $command"
  offered_options=$(complete_line deid "$command" -)
  for option in $(options_of "$command"); do
    [[ $option == --* ]] || continue
    grep -qx -- "$option" <<<"$offered_options" || fail "completion: 'deid $command -<Tab>' does not offer $option"
  done
done
[[ $(complete_line deid lint --format "") == $'text\njson\nsarif\ngithub' ]] || fail "completion: lint --format values: $(complete_line deid lint --format "")"
[[ $(complete_line deid put --profile basic,retain-u) == basic,retain-uids ]] || fail "completion: --profile options"
[[ $(complete_line deid help li) == lint ]] || fail "completion: 'deid help li<Tab>': $(complete_line deid help li)"
echo "help_pages_test: deid.1 and the completion cover $(wc -w <<<"$commands") commands"
