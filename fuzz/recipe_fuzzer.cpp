// libFuzzer target: any byte string as a recipe, through parser, combiner and
// resolver, and the resulting plan evaluated on a copy of a real file (forced,
// as `put --force` would). Bad input must produce diagnostics, never a crash
// or a hang. Seeds include recipes whose %fields and %values groups name each
// other (fuzz/seeds/), and fuzz/recipe.dict gives the fuzzer the language's
// tokens, so group graphs and their cycles are explored.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

namespace {

// DEID_FUZZ_DICOM names the file plans are evaluated on (fuzz/run.sh sets it).
const DcmFileFormat* sample_file() {
    static const std::unique_ptr<DcmFileFormat> file = [] {
        auto loaded = std::make_unique<DcmFileFormat>();
        const char* path = std::getenv("DEID_FUZZ_DICOM");
        if (path == nullptr || loaded->loadFile(path).bad() || loaded->loadAllDataIntoMemory().bad()) {
            return std::unique_ptr<DcmFileFormat>();
        }
        return loaded;
    }();
    return file.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto& dictionary = deid::standard_dictionary();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    deid::Diagnostics diagnostics;
    const auto recipe = deid::grammar::parse_recipe(text, "fuzz.deid", diagnostics);
    const auto combined = deid::ast::combine({recipe}, diagnostics);
    const auto plan = deid::resolve(combined, dictionary, {}, diagnostics);
    if (const DcmFileFormat* sample = sample_file()) {
        DcmFileFormat copy(*sample);
        deid::DcmtkDataset dataset(copy);
        (void)deid::evaluate(plan, dataset, {{"entity_id", "fuzz"}}, {});
    }
    return 0;
}
