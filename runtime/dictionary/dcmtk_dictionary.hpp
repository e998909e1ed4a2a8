#pragma once

#include <cstdint>
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
//
// DCMTK's catch-all rows (GenericGroupLength, PrivateGroupLength,
// PrivateCreator and their ILLEGAL twins) are left out: they span whole
// ranges of groups that a single first-group entry cannot describe, and
// binding `PrivateCreator` to "(0009,0010) in every group" would select
// PatientName (0010,0010) too.
class DcmtkDictionary final : public ElementDictionary {
public:
    DcmtkDictionary();

    std::optional<DictionaryEntry> find_keyword(std::string_view keyword) const override;
    std::optional<DictionaryEntry> find_name(std::string_view name) const override;
    std::optional<AliasEntry> find_alias(std::string_view alias) const override;
    // Also finds members of repeating ranges: (6002,3000) gives the OverlayData
    // entry, which reports its first group (6000,3000).
    std::optional<DictionaryEntry> find_tag(std::uint16_t group, std::uint16_t element) const override;
    // The same entry without a copy, for the per-element hot path (listing a
    // dataset's elements); nullptr when none.
    const DictionaryEntry* entry_for_tag(std::uint16_t group, std::uint16_t element) const;
    std::optional<DictionaryEntry> find_private(std::uint16_t group, std::string_view creator,
                                                std::uint8_t element_offset) const override;
    const std::vector<std::string>& keywords() const override { return keywords_; }
    // In tag order.
    void for_each_standard(const std::function<void(const DictionaryEntry&)>& visit) const override;

private:
    // A (gggg-GGGG,eeee-EEEE) range of DCMTK's, with its odd/even restrictions.
    struct TagRange {
        enum class Parity : std::uint8_t { any, odd, even };
        std::uint16_t first_group = 0;
        std::uint16_t last_group = 0;
        std::uint16_t first_element = 0;
        std::uint16_t last_element = 0;
        Parity group_parity = Parity::any;
        Parity element_parity = Parity::any;

        [[nodiscard]] bool contains(std::uint16_t group, std::uint16_t element) const;
    };
    struct Repeating {
        TagRange range;  // private entries: elements as low bytes
        std::size_t index = 0;
    };
    using Tag = std::uint32_t;
    using PrivateKey = std::tuple<std::uint16_t, std::string, std::uint8_t>;  // group, creator, low byte

    void copy_dcmtk_entries();
    void index_standard();
    void add_generated_tables();

    std::vector<DictionaryEntry> standard_;  // in tag order
    std::vector<Repeating> repeating_;       // into standard_
    std::vector<std::string> keywords_;      // sorted, unique
    std::unordered_map<std::string, std::size_t> by_keyword_;  // lower-cased
    std::unordered_map<std::string, std::size_t> by_name_;     // lower-cased
    std::unordered_map<Tag, std::size_t> by_tag_;
    std::unordered_map<std::string, AliasEntry> aliases_;      // lower-cased
    std::vector<DictionaryEntry> private_entries_;
    std::map<PrivateKey, std::size_t> by_private_key_;          // into private_entries_
    std::vector<Repeating> repeating_private_;                 // into private_entries_
};

// The process-wide dictionary, built on first use. Throws std::runtime_error
// when DCMTK could not load its data dictionary.
const DcmtkDictionary& standard_dictionary();

}  // namespace deid
