#pragma once

#include <memory>

#include "interpreter/dataset/dataset_view.hpp"

class DcmFileFormat;
class DcmItem;
class DcmElement;

namespace deid {

// DatasetView over a DCMTK file (meta header and dataset). Does not own the
// file: the caller loads and saves it.
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

    // The raw value of a binary element (OB, UN, ...; not pixel data), at
    // most `limit` bytes: private text often hides in UN. nullopt when
    // absent or not binary.
    std::optional<std::string> bytes(std::string_view path, std::size_t limit) const;

private:
    struct Located {
        DcmItem* parent = nullptr;
        DcmElement* element = nullptr;
    };
    Located locate(std::string_view path) const;

    DcmFileFormat& file_;
};

}  // namespace deid
