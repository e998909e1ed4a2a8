#pragma once

#include <optional>
#include <string>

class DcmFileFormat;

namespace deid {

// Every command sees text as UTF-8: recipes, --vars/--ids, Lua and JSON
// outputs are UTF-8, and a name written in ISO_IR 100 (Latin-1) bytes
// would neither match a pattern nor print. A file whose string values hold
// bytes beyond ASCII in another character set is converted when it is
// loaded: every value to UTF-8, SpecificCharacterSet to "ISO_IR 192" (an
// output written from it says so). Files in plain ASCII or already UTF-8
// are left exactly as they are.
struct CharacterSetConversion {
    std::string from;  // SpecificCharacterSet before, "" for the default repertoire
    std::string error; // set when DCMTK could not convert: the values stay as they were
};

// What was done, or nothing when the file needed no conversion.
std::optional<CharacterSetConversion> convert_text_to_utf8(DcmFileFormat& file);

// After actions wrote values: a value beyond ASCII is UTF-8 (recipes,
// variables and Lua are), so a file that does not say ISO_IR 192 is made to
// (its other values are ASCII, or were converted when it was loaded). True
// when SpecificCharacterSet was changed.
bool declare_utf8_for_written_text(DcmFileFormat& file, bool any_written_value_beyond_ascii);

// The sentence a command prints for a conversion.
std::string describe(const CharacterSetConversion& conversion);

}  // namespace deid
