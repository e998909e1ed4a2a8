#include "runtime/pixels/pixel_cleaner.hpp"

#include "runtime/pixels/jpeg2000.hpp"

#include <algorithm>
#include <mutex>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>

namespace deid {
namespace {

void register_codecs() {
    static std::once_flag once;
    std::call_once(once, [] {
        DJDecoderRegistration::registerCodecs();
        DJEncoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DJLSEncoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
        DcmRLEEncoderRegistration::registerCodecs();
    });
}

// Syntaxes DCMTK re-encodes without loss.
bool lossless_encodable(E_TransferSyntax syntax) {
    return syntax == EXS_RLELossless || syntax == EXS_JPEGProcess14SV1 || syntax == EXS_JPEGProcess14 ||
           syntax == EXS_JPEGLSLossless || syntax == EXS_DeflatedLittleEndianExplicit;
}

std::vector<std::uint8_t> build_mask(std::size_t rows, std::size_t columns, const std::vector<FilterMatch>& matches) {
    std::vector<std::uint8_t> mask(rows * columns, 1);
    auto fill = [&](const plan::Rect& rect, std::uint8_t value) {
        const auto clip = [](std::int64_t v, std::size_t limit) {
            return static_cast<std::size_t>(std::clamp<std::int64_t>(v, 0, static_cast<std::int64_t>(limit)));
        };
        for (std::size_t y = clip(rect.ymin, rows); y < clip(rect.ymax, rows); ++y) {
            std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(y * columns + clip(rect.xmin, columns)),
                        clip(rect.xmax, columns) - std::min(clip(rect.xmin, columns), clip(rect.xmax, columns)), value);
        }
    };
    for (const auto& match : matches) {
        for (const auto& region : match.regions) {
            const std::uint8_t value = region.mask == ast::RegionMask::keep ? 1 : 0;
            if (const auto* rect = std::get_if<plan::Rect>(&region.area)) {
                fill(*rect, value);
            } else if (const auto* rects = std::get_if<std::vector<plan::Rect>>(&region.area)) {
                for (const auto& one : *rects) {
                    fill(one, value);
                }
            } else {
                std::fill(mask.begin(), mask.end(), value);
            }
        }
    }
    return mask;
}

// How the samples of one frame are laid out, and what black is in them.
struct PixelLayout {
    std::size_t samples = 1;
    bool planar = false;
    // YBR_FULL / YBR_FULL_422: black is (Y 0, Cb and Cr half way); zero
    // chroma would paint the region dark green.
    bool ybr = false;
    // YBR_FULL_422 as stored natively: Y1 Y2 Cb Cr for each two pixels.
    bool chroma_shared_by_pairs = false;
    std::uint32_t chroma_black = 0;
};

template <typename Sample>
void apply(Sample* pixels, std::size_t count, const std::vector<std::uint8_t>& mask, const PixelLayout& layout) {
    const std::size_t frame_pixels = mask.size();
    const auto chroma_black = static_cast<Sample>(layout.chroma_black);
    if (layout.chroma_shared_by_pairs) {
        const std::size_t frame_values = frame_pixels * 2;
        for (std::size_t start = 0; start + frame_values <= count; start += frame_values) {
            for (std::size_t p = 0; p < frame_pixels; ++p) {
                if (mask[p] != 0) {
                    continue;
                }
                Sample* pair = pixels + start + 4 * (p / 2);
                pair[p % 2] = 0;
                pair[2] = chroma_black;  // the pair's other pixel loses its colour, never the blanked one its black
                pair[3] = chroma_black;
            }
        }
        return;
    }
    const std::size_t frame_values = frame_pixels * layout.samples;
    for (std::size_t start = 0; start + frame_values <= count; start += frame_values) {
        for (std::size_t p = 0; p < frame_pixels; ++p) {
            if (mask[p] != 0) {
                continue;
            }
            for (std::size_t s = 0; s < layout.samples; ++s) {
                pixels[start + (layout.planar ? s * frame_pixels + p : p * layout.samples + s)] =
                    layout.ybr && s > 0 ? chroma_black : Sample{0};
            }
        }
    }
}

}  // namespace

std::string decode_pixels(DcmFileFormat& file) {
    register_codecs();
    DcmDataset& dataset = *file.getDataset();
    const DcmXfer original(dataset.getOriginalXfer());
    if (const std::string error = decode_jpeg2000(dataset); !error.empty()) {
        return "cannot decode JPEG 2000 pixel data: " + error;
    }
    if (original.isEncapsulated() && dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad()) {
        return std::string("cannot decode ") + original.getXferName() + " pixel data";
    }
    return "";
}

CleanReport clean_pixels(DcmFileFormat& file, const std::vector<FilterMatch>& matches) {
    register_codecs();
    CleanReport report;
    DcmDataset& dataset = *file.getDataset();
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 bits_allocated = 0;
    Uint16 samples = 1;
    Uint16 planar = 0;
    if (dataset.findAndGetUint16(DCM_Rows, rows).bad() || dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
        dataset.findAndGetUint16(DCM_BitsAllocated, bits_allocated).bad() || !dataset.tagExists(DCM_PixelData)) {
        report.error = "no image pixel data to clean (Rows, Columns, BitsAllocated or PixelData missing)";
        return report;
    }
    dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
    dataset.findAndGetUint16(DCM_PlanarConfiguration, planar);

    const E_TransferSyntax original = dataset.getOriginalXfer();
    const DcmXfer original_xfer(original);
    if (const std::string error = decode_pixels(file); !error.empty()) {
        report.error = error;
        return report;
    }
    const auto mask = build_mask(rows, columns, matches);
    report.blanked_pixels = static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 0));

    // Read after decoding: DCMTK's JPEG decoder turns YBR into RGB.
    PixelLayout layout;
    layout.samples = samples;
    layout.planar = planar == 1;
    OFString photometric;
    dataset.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    layout.ybr = photometric == "YBR_FULL" || photometric == "YBR_FULL_422";
    layout.chroma_shared_by_pairs = photometric == "YBR_FULL_422" && samples == 3;
    Uint16 bits_stored = bits_allocated;
    dataset.findAndGetUint16(DCM_BitsStored, bits_stored);
    layout.chroma_black = bits_stored >= 1 && bits_stored <= 32 ? 1U << (bits_stored - 1U) : 0U;
    if (layout.ybr && samples != 3) {
        report.error = photometric.c_str() + std::string(" with SamplesPerPixel ") + std::to_string(samples);
        return report;
    }
    if (layout.chroma_shared_by_pairs && columns % 2 != 0) {
        report.error = "YBR_FULL_422 with an odd number of columns";
        return report;
    }

    DcmElement* element = nullptr;
    dataset.findAndGetElement(DCM_PixelData, element);
    auto* pixel_data = static_cast<DcmPixelData*>(element);
    if (bits_allocated == 8) {
        Uint8* bytes = nullptr;
        pixel_data->getUint8Array(bytes);
        apply(bytes, pixel_data->getLength(), mask, layout);
    } else if (bits_allocated == 16) {
        Uint16* words = nullptr;
        pixel_data->getUint16Array(words);
        apply(words, pixel_data->getLength() / 2, mask, layout);
    } else if (bits_allocated == 32) {
        Uint32* words = nullptr;
        pixel_data->getUint32Array(words);
        apply(words, pixel_data->getLength() / 4, mask, layout);
    } else {
        report.error = "BitsAllocated " + std::to_string(bits_allocated) + " is not supported";
        return report;
    }
    // The decoded representation is now the only valid one.
    pixel_data->removeAllButCurrentRepresentations();

    if (original_xfer.isEncapsulated()) {
        if (lossless_encodable(original) && dataset.chooseRepresentation(original, nullptr).good()) {
            return report;
        }
        report.note = std::string("written uncompressed: DCMTK cannot re-encode ") + original_xfer.getXferName() +
                      " without loss";
        // The cleaned, decoded representation is what gets written.
        dataset.updateOriginalXfer();
    }
    return report;
}

}  // namespace deid
