// De-identify one DICOM file with deid's C++ API: the PS3.15 basic profile,
// then a site rule that sets PatientID from a per-file variable; the site's
// pseudonym key (`deid keygen KEY_FILE`) makes the profile's UIDs.
//   embed_example INPUT OUTPUT PATIENT_ID KEY_FILE
#include <iostream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>
#include <deid/deid.hpp>

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: embed_example INPUT OUTPUT PATIENT_ID KEY_FILE\n";
        return 2;
    }
    OFLog::configure(OFLogger::ERROR_LOG_LEVEL);  // DCMTK's own log is the host's to configure
    deid::api::CompileOptions options;
    options.profile = "basic";
    options.recipe_texts = {{"site.deid", "FORMAT dicom\n%header\nREPLACE PatientID var:patient_id\n"}};
    options.key_file = argv[4];
    deid::api::Compilation compiled;
    try {
        compiled = deid::api::compile(options);  // once, for every file and thread
    } catch (const deid::api::Error& error) {  // the key file cannot be read
        std::cerr << error.what() << '\n';
        return 2;
    }
    for (const auto& diagnostic : compiled.diagnostics) {
        std::cerr << diagnostic.text() << '\n';
    }
    if (!compiled.recipe) {
        return 2;
    }
    deid::api::Applier applier(*compiled.recipe);  // one per thread
    try {
        const deid::api::Outcome outcome = applier.apply_file(argv[1], argv[2], {{"patient_id", argv[3]}});
        for (const auto& warning : outcome.warnings) {
            std::cerr << argv[1] << ": warning: " << warning.text() << '\n';
        }
        if (outcome.held_back) {
            std::cerr << argv[1] << ": not written: " << *outcome.held_back << '\n';
            return 1;
        }
        for (const auto& change : outcome.changes) {
            if (change.recipe_file == "site.deid" && !change.after.empty()) {
                std::cout << change.name << " = " << change.after[0] << " (site.deid:" << change.recipe_line << ")\n";
            }
        }
        std::cout << outcome.changes.size() << " changes, written to " << argv[2] << '\n';
    } catch (const deid::api::Error& error) {
        std::cerr << error.what() << '\n';
        return 1;
    }
}
