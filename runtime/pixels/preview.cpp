#include "runtime/pixels/preview.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <png.h>

namespace deid {
namespace {

using Rgb = std::array<std::uint8_t, 3>;

struct Canvas {
    std::size_t width = 0;
    std::size_t height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3
    void set(std::size_t x, std::size_t y, Rgb colour) {
        if (x < width && y < height) {
            std::copy(colour.begin(), colour.end(), rgb.begin() + static_cast<std::ptrdiff_t>((y * width + x) * 3));
        }
    }
};

// The first frame as 8-bit RGB, windowed over its own value range.
std::optional<Canvas> render(DcmDataset& dataset) {
    // Pixels decoded in memory (JPEG 2000 by OpenJPEG, for one) are read as such.
    DcmElement* pixels = nullptr;
    const bool decoded = dataset.findAndGetElement(DCM_PixelData, pixels).good() &&
                         static_cast<DcmPixelData*>(pixels)->hasRepresentation(EXS_LittleEndianExplicit, nullptr);
    DicomImage image(&dataset, decoded ? EXS_LittleEndianExplicit : dataset.getOriginalXfer(),
                     CIF_UsePartialAccessToPixelData, 0, 1);
    if (image.getStatus() != EIS_Normal) {
        return std::nullopt;
    }
    if (image.isMonochrome()) {
        image.setMinMaxWindow();
    }
    const void* data = image.getOutputData(8);
    if (data == nullptr) {
        return std::nullopt;
    }
    Canvas canvas{image.getWidth(), image.getHeight(), {}};
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    canvas.rgb.resize(canvas.width * canvas.height * 3);
    for (std::size_t i = 0; i < canvas.width * canvas.height; ++i) {
        for (std::size_t s = 0; s < 3; ++s) {
            canvas.rgb[i * 3 + s] = image.isMonochrome() ? bytes[i] : bytes[i * 3 + s];
        }
    }
    return canvas;
}

void outline(Canvas& canvas, std::size_t offset_x, const plan::Rect& rect, Rgb colour) {
    const auto clamp_x = [&](std::int64_t v) { return static_cast<std::size_t>(std::clamp<std::int64_t>(v, 0, static_cast<std::int64_t>(canvas.width / 2 - 1))); };
    const auto clamp_y = [&](std::int64_t v) { return static_cast<std::size_t>(std::clamp<std::int64_t>(v, 0, static_cast<std::int64_t>(canvas.height - 1))); };
    const std::size_t x0 = clamp_x(rect.xmin), x1 = clamp_x(rect.xmax - 1), y0 = clamp_y(rect.ymin), y1 = clamp_y(rect.ymax - 1);
    for (std::size_t x = x0; x <= x1; ++x) {
        canvas.set(offset_x + x, y0, colour);
        canvas.set(offset_x + x, y1, colour);
    }
    for (std::size_t y = y0; y <= y1; ++y) {
        canvas.set(offset_x + x0, y, colour);
        canvas.set(offset_x + x1, y, colour);
    }
}

std::string write_png(const Canvas& canvas, const std::filesystem::path& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) {
        return "cannot write " + path.string();
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (png == nullptr || info == nullptr || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return "cannot encode PNG " + path.string();
    }
    png_init_io(png, file.get());
    png_set_IHDR(png, info, static_cast<png_uint_32>(canvas.width), static_cast<png_uint_32>(canvas.height), 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (std::size_t y = 0; y < canvas.height; ++y) {
        png_write_row(png, canvas.rgb.data() + y * canvas.width * 3);
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return "";
}

}  // namespace

std::string write_clean_preview(DcmDataset& before, DcmDataset& after, const std::vector<FilterMatch>& matches,
                                const std::filesystem::path& png) {
    const auto left = render(before);
    const auto right = render(after);
    if (!left || !right) {
        return "cannot render the image for a preview";
    }
    Canvas canvas{left->width * 2, left->height, std::vector<std::uint8_t>(left->width * 2 * left->height * 3, 0)};
    for (std::size_t y = 0; y < left->height; ++y) {
        const auto row = static_cast<std::ptrdiff_t>(y * left->width * 3);
        std::copy_n(left->rgb.begin() + row, left->width * 3, canvas.rgb.begin() + 2 * row);
        std::copy_n(right->rgb.begin() + row, left->width * 3, canvas.rgb.begin() + 2 * row + static_cast<std::ptrdiff_t>(left->width * 3));
    }
    for (const auto& match : matches) {
        for (const auto& region : match.regions) {
            const Rgb colour = region.mask == ast::RegionMask::keep ? Rgb{0, 255, 0} : Rgb{255, 0, 0};
            std::vector<plan::Rect> rects;
            if (const auto* rect = std::get_if<plan::Rect>(&region.area)) {
                rects.push_back(*rect);
            } else if (const auto* many = std::get_if<std::vector<plan::Rect>>(&region.area)) {
                rects = *many;
            } else {
                rects.push_back({0, 0, static_cast<std::int64_t>(left->width), static_cast<std::int64_t>(left->height)});
            }
            for (const auto& rect : rects) {
                outline(canvas, left->width, rect, colour);
            }
        }
    }
    return write_png(canvas, png);
}

}  // namespace deid
