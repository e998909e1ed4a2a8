// libFuzzer target: any byte string as a recipe, through parser, combiner and
// resolver. Bad input must produce diagnostics, never a crash or a hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto& dictionary = deid::standard_dictionary();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    deid::Diagnostics diagnostics;
    const auto recipe = deid::grammar::parse_recipe(text, "fuzz.deid", diagnostics);
    const auto combined = deid::ast::combine({recipe}, diagnostics);
    (void)deid::resolve(combined, dictionary, {}, diagnostics);
    return 0;
}
