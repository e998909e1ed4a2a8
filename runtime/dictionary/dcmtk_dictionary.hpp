#pragma once

#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "interpreter/dictionary/element_dictionary.hpp"

namespace deid {

// The element dictionary over DCMTK's data dictionary (standard and private
// entries) plus the generated tables of dictionary names and of legacy and
// CTP aliases (tools/generate_dictionary_tables.py). Built once; read-only
// afterwards, so any number of threads may use it.
class DcmtkDictionary final : public ElementDictionary {
public:
    DcmtkDictionary();

    std::optional<DictionaryEntry> find_keyword(std::string_view keyword) const override;
    std::optional<DictionaryEntry> find_name(std::string_view name) const override;
    std::optional<AliasEntry> find_alias(std::string_view alias) const override;
    std::optional<DictionaryEntry> find_tag(std::uint16_t group, std::uint16_t element) const override;
    std::optional<DictionaryEntry> find_private(std::uint16_t group, std::string_view creator,
                                                std::uint8_t element_offset) const override;
    const std::vector<std::string>& keywords() const override { return keywords_; }
    void for_each_standard(const std::function<void(const DictionaryEntry&)>& visit) const override;

private:
    using Tag = std::uint32_t;
    std::vector<DictionaryEntry> standard_;
    std::vector<std::string> keywords_;
    std::unordered_map<std::string, std::size_t> by_keyword_;  // lower-cased
    std::unordered_map<std::string, std::size_t> by_name_;     // lower-cased
    std::unordered_map<Tag, std::size_t> by_tag_;
    std::unordered_map<std::string, AliasEntry> aliases_;      // lower-cased
    std::map<std::tuple<std::uint16_t, std::string, std::uint8_t>, DictionaryEntry> private_;
};

// The process-wide dictionary, built on first use. Throws std::runtime_error
// when DCMTK could not load its data dictionary.
const DcmtkDictionary& standard_dictionary();

}  // namespace deid
