#pragma once

#include <string>
#include <string_view>

namespace deid {

// `bytes` as a quoted JSON string. File names and DICOM values are bytes,
// not always UTF-8: every byte that is not part of a valid UTF-8 sequence is
// written as the escape \udcXX (XX its value), as Python's "surrogateescape"
// does, so `os.fsencode(json.loads(text))` gives the original bytes back and
// no name or value can make a JSON output fail. Valid UTF-8 is kept as is.
[[nodiscard]] std::string json_quote(std::string_view bytes);

// Whether `bytes` is valid UTF-8 (no overlong forms, no surrogates).
[[nodiscard]] bool is_valid_utf8(std::string_view bytes);

}  // namespace deid
