#pragma once

#include "ctp/front_end.hpp"
#include "ctp/source_text.hpp"

namespace deid::ctp {

ast::Recipe translate_anonymizer(const SourceText& source, const ElementDictionary& dictionary,
                                 const TranslationOptions& options, Diagnostics& diagnostics);
ast::Recipe translate_pixel_script(const SourceText& source, const ElementDictionary& dictionary, Diagnostics& diagnostics);
ast::Recipe translate_filter_script(const SourceText& source, const ElementDictionary& dictionary, Diagnostics& diagnostics);

}  // namespace deid::ctp
