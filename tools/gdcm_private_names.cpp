// Prints GDCM's built-in private data dictionary as XML, for
// tools/generate_private_names.py. GDCM (Debian: libgdcm-dev) is needed only
// to regenerate runtime/dictionary/generated/private_names.inc; deid itself
// never links it.
//   g++ -std=c++17 -I/usr/include/gdcm-3.0 tools/gdcm_private_names.cpp \
//       -lgdcmDICT -lgdcmDSED -lgdcmCommon -o gdcm_private_names

#include <gdcmDicts.h>
#include <gdcmGlobal.h>

int main() {
    // The dictionary offers no iteration, only this listing.
    gdcm::Global::GetInstance().GetDicts().GetPrivateDict().PrintXML();
    return 0;
}
