#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deid::stdlib {

// A piece of identifying text (a name component, an ID, a date, a word),
// lower-cased, as `deid verify` searches for it and `clean_text` removes it.
struct IdentifyingToken {
    std::string text;
    // Dates match at the start of a longer run of digits too: 20230101 is
    // the date of the DT 20230101011721.
    bool open_end = false;
};

// Where `token` occurs in `text` (both compared case-insensitively, `text`
// already lower-cased) as a whole: not continuing a run of letters or of
// digits on either side ("ann" is not found in "annotation", "1234" not in
// "12345", but "ris" is in "siemens_ris"). nullopt when it does not.
std::optional<std::size_t> find_token(std::string_view lowered_text, const IdentifyingToken& token,
                                      std::size_t from = 0);

// `text` without any of `tokens` (longest first), blanks then collapsed and
// trimmed (unchanged when none is found): the `clean_text` built-in.
std::string remove_tokens(std::string_view text, const std::vector<IdentifyingToken>& tokens);

}  // namespace deid::stdlib
