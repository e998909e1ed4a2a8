#pragma once

class DcmFileFormat;

namespace deid {

// Gives every standard element stored as UN (an explicit VR file written
// by a tool that did not know the tag) the text VR the data dictionary
// names for it, with the same value: a SOPInstanceUID in UN bytes is a UID
// the profile must replace, and a date in UN bytes a date `verify` must
// find. Elements of binary or numeric VRs, sequences and private elements
// stay as they are. Returns how many elements changed.
int reinterpret_unknown_text(DcmFileFormat& file);

}  // namespace deid
