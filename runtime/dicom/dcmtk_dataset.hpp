#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "interpreter/dataset/dataset_view.hpp"

class DcmFileFormat;
class DcmItem;
class DcmElement;

namespace deid {

// DatasetView over a DCMTK file (meta header and dataset). Does not own the
// file: the caller loads and saves it. The view remembers where it found
// each element, and only its own changes (remove, blank, add) keep that
// true: after changing the file any other way, make a new view.
class DcmtkDataset final : public DatasetView {
public:
    explicit DcmtkDataset(DcmFileFormat& file);

    std::vector<ElementInfo> elements() const override;
    std::optional<ElementInfo> top_level_element(std::uint16_t group, std::uint16_t element) const override;
    std::optional<std::vector<std::string>> values(std::string_view path) const override;
    WriteResult set(std::string_view path, const std::vector<std::string>& values) override;
    WriteResult blank(std::string_view path) override;
    WriteResult remove(std::string_view path) override;
    WriteResult add(std::uint16_t group, std::uint16_t element, std::string_view vr,
                    const std::vector<std::string>& values) override;
    ElementInfo new_top_level_element(std::uint16_t group, std::uint16_t element) const override;
    WriteResult append_coded_items(std::uint16_t group, std::uint16_t element, const std::vector<CodedItem>& items,
                                   bool replace) override;

    // The raw value of a binary element (OB, UN, ...; not pixel data), at
    // most `limit` bytes: private text often hides in UN. nullopt when
    // absent or not binary.
    std::optional<std::string> bytes(std::string_view path, std::size_t limit) const;

    // Where an element is: its item and itself.
    struct Located {
        DcmItem* parent = nullptr;
        DcmElement* element = nullptr;
    };
    // Located elements by path id, looked up by views (no string made per lookup).
    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
    };
    using Places = std::unordered_map<std::string, Located, PathHash, std::equal_to<>>;

private:
    Located locate(std::string_view path) const;
    // The file meta for group 0002, else the dataset.
    DcmItem& top_level_item(std::uint16_t group) const;
    // Forgets where `path` and, with `items`, everything inside it was.
    void forget(std::string_view path, bool items);

    DcmFileFormat& file_;
    // By path id, as elements() found them: a recipe of many actions would
    // otherwise walk the items again for every value read and written.
    mutable Places places_;
};

}  // namespace deid
