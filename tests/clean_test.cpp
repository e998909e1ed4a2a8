// Pixel cleaning (spec §4.1) on real files of ../shared/data/dicom:
// compressed inputs, colour, multi-frame, regions past the image edge.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "engine/clean_command.hpp"
#include "engine/put_command.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "engine/exit_status.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

const std::filesystem::path kFiles = testing::kSharedDir / "data/dicom/pydicom-test-files";
const std::filesystem::path kData = testing::kSharedDir / "data/dicom";

struct Cleaned : testing::CommandRun {
    std::filesystem::path file;
};

Cleaned clean(const std::filesystem::path& input, const std::string& label_body) {
    const auto work = testing::fresh_subdir("deid_clean_" + input.stem().string());
    std::ofstream(work / "recipe.deid") << "FORMAT dicom\n%filter graylist\nLABEL test\n" << label_body;
    CleanOptions options;
    options.inputs = {input};
    options.recipes = {work / "recipe.deid"};
    options.output = work / "out";
    return {testing::run_command(run_clean, options), work / "out" / input.filename()};
}

struct Pixels {
    E_TransferSyntax syntax = EXS_Unknown;
    std::vector<Uint8> bytes;  // decoded, as stored
};

Pixels decoded(const std::filesystem::path& path) {
    DcmFileFormat file;
    EXPECT_TRUE(file.loadFile(path.c_str()).good()) << path;
    Pixels pixels;
    pixels.syntax = file.getDataset()->getOriginalXfer();
    EXPECT_TRUE(file.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, nullptr).good());
    DcmElement* element = nullptr;
    file.getDataset()->findAndGetElement(DCM_PixelData, element);
    Uint8* bytes = nullptr;
    element->getUint8Array(bytes);
    pixels.bytes.assign(bytes, bytes + element->getLength());
    return pixels;
}

// RGB, 8 bit, interleaved (PlanarConfiguration 0): the byte of sample s of pixel (x, y) in frame f.
std::size_t rgb_at(std::size_t f, std::size_t x, std::size_t y) { return f * 100 * 100 * 3 + (y * 100 + x) * 3; }

TEST(Clean, RleColourMultiFrameStaysRleWithTheRegionBlackInEveryFrameAndSample) {
    const auto input = kFiles / "SC_rgb_rle_2frame.dcm";
    const auto result = clean(input, "  contains Modality OT\n  coordinates 10,20,50,60\n");
    ASSERT_EQ(result.status, 0) << result.err;
    const Pixels before = decoded(input);
    const Pixels after = decoded(result.file);
    EXPECT_EQ(after.syntax, EXS_RLELossless);
    ASSERT_EQ(after.bytes.size(), before.bytes.size());
    for (std::size_t f = 0; f < 2; ++f) {
        for (std::size_t s = 0; s < 3; ++s) {
            EXPECT_EQ(after.bytes[rgb_at(f, 10, 20) + s], 0);
            EXPECT_EQ(after.bytes[rgb_at(f, 49, 59) + s], 0);
            EXPECT_EQ(after.bytes[rgb_at(f, 50, 60) + s], before.bytes[rgb_at(f, 50, 60) + s]);  // xmax/ymax exclusive
            EXPECT_EQ(after.bytes[rgb_at(f, 5, 5) + s], before.bytes[rgb_at(f, 5, 5) + s]);
        }
    }
}

TEST(Clean, RegionBeyondTheEdgeIsClippedAndKeepWinsInsideBlank) {
    const auto input = kFiles / "SC_rgb_rle.dcm";
    const auto result = clean(input, "  contains Modality OT\n  coordinates 90,90,5000,5000\n  keepcoordinates 95,95,97,97\n");
    ASSERT_EQ(result.status, 0) << result.err;
    const Pixels before = decoded(input);
    const Pixels after = decoded(result.file);
    EXPECT_EQ(after.bytes[rgb_at(0, 99, 99)], 0);
    EXPECT_EQ(after.bytes[rgb_at(0, 90, 90)], 0);
    EXPECT_EQ(after.bytes[rgb_at(0, 96, 96)], before.bytes[rgb_at(0, 96, 96)]);
    EXPECT_EQ(after.bytes[rgb_at(0, 89, 89)], before.bytes[rgb_at(0, 89, 89)]);
}

TEST(Clean, CoordinatesAllBlanksEverything) {
    const auto result = clean(kFiles / "MR_small_jpeg_ls_lossless.dcm", "  coordinates all\n");
    ASSERT_EQ(result.status, 0) << result.err;
    const Pixels after = decoded(result.file);
    EXPECT_EQ(after.syntax, EXS_JPEGLSLossless);
    EXPECT_TRUE(std::all_of(after.bytes.begin(), after.bytes.end(), [](Uint8 b) { return b == 0; }));
}

TEST(Clean, LossyJpegIsWrittenUncompressedAndSaysSo) {
    const auto result = clean(kFiles / "JPEG-lossy.dcm", "  coordinates 0,0,10,10\n");
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_THAT(result.err, ::testing::HasSubstr("note: written uncompressed: DCMTK cannot re-encode"));
    const Pixels after = decoded(result.file);
    EXPECT_EQ(after.syntax, EXS_LittleEndianExplicit);
    EXPECT_EQ(after.bytes[0], 0);  // 16-bit: first pixel's low byte
    EXPECT_EQ(after.bytes[1], 0);
}

TEST(Clean, NativeYbrFull422IsBlackNotGreen) {
    // 100x100, stored as Y1 Y2 Cb Cr per two pixels; black is Y 0, Cb = Cr = 128.
    const auto input = kFiles / "SC_ybr_full_422_uncompressed.dcm";
    const auto result = clean(input, "  coordinates 0,0,20,20\n");
    ASSERT_EQ(result.status, 0) << result.err;
    const Pixels before = decoded(input);
    const Pixels after = decoded(result.file);
    ASSERT_EQ(after.bytes.size(), 100u * 100u * 2u);
    ASSERT_EQ(after.bytes.size(), before.bytes.size());
    const auto pair_at = [](std::size_t x, std::size_t y) { return (y * 100 + x) / 2 * 4; };
    EXPECT_EQ(after.bytes[pair_at(5, 5)], 0);      // Y of (4,5)
    EXPECT_EQ(after.bytes[pair_at(5, 5) + 1], 0);  // Y of (5,5)
    EXPECT_EQ(after.bytes[pair_at(5, 5) + 2], 128);
    EXPECT_EQ(after.bytes[pair_at(5, 5) + 3], 128);
    EXPECT_EQ(after.bytes[pair_at(19, 19) + 1], 0);
    for (std::size_t b = 0; b < 4; ++b) {
        EXPECT_EQ(after.bytes[pair_at(50, 5) + b], before.bytes[pair_at(50, 5) + b]);
        EXPECT_EQ(after.bytes[pair_at(20, 20) + b], before.bytes[pair_at(20, 20) + b]);
    }
}

TEST(Clean, JpegYbrIsDecodedToRgbAndBlanksBlack) {
    const auto result = clean(kData / "deid-data/dicom-cookies/image1.dcm", "  coordinates 0,0,10,10\n");
    ASSERT_EQ(result.status, 0) << result.err;
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(result.file.c_str()).good());
    OFString photometric;
    file.getDataset()->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    EXPECT_EQ(photometric, "RGB");
    const Pixels after = decoded(result.file);
    for (std::size_t s = 0; s < 3; ++s) {
        EXPECT_EQ(after.bytes[s], 0);
    }
}

TEST(Clean, LosslessJpeg2000IsDecodedWithOpenJpeg) {
    // MR_small_jp2klossless.dcm is MR_small.dcm (64x64, 16 bit signed) encoded losslessly.
    const auto result = clean(kFiles / "MR_small_jp2klossless.dcm", "  coordinates 0,0,10,10\n");
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_THAT(result.err, ::testing::HasSubstr("note: written uncompressed: DCMTK cannot re-encode JPEG 2000"));
    const Pixels after = decoded(result.file);
    const Pixels original = decoded(kFiles / "MR_small.dcm");
    EXPECT_EQ(after.syntax, EXS_LittleEndianExplicit);
    ASSERT_EQ(after.bytes.size(), original.bytes.size());
    const auto byte_at = [](std::size_t x, std::size_t y) { return (y * 64 + x) * 2; };
    for (std::size_t b = 0; b < 2; ++b) {
        EXPECT_EQ(after.bytes[byte_at(9, 9) + b], 0);
        EXPECT_EQ(after.bytes[byte_at(10, 10) + b], original.bytes[byte_at(10, 10) + b]);
        EXPECT_EQ(after.bytes[byte_at(40, 5) + b], original.bytes[byte_at(40, 5) + b]);
    }
    EXPECT_NE(original.bytes[byte_at(40, 5)] + original.bytes[byte_at(40, 5) + 1], 0);
}

TEST(Clean, Jpeg2000ColourTransformIsUndoneToRgb) {
    const auto result = clean(kFiles / "GDCMJ2K_TextGBR.dcm", "  coordinates 0,0,10,10\n");
    ASSERT_EQ(result.status, 0) << result.err;
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(result.file.c_str()).good());
    OFString photometric;
    file.getDataset()->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    EXPECT_EQ(photometric, "RGB");  // was YBR_RCT
    const Pixels after = decoded(result.file);
    Uint16 columns = 0;
    file.getDataset()->findAndGetUint16(DCM_Columns, columns);
    const auto rgb = [&](std::size_t x, std::size_t y) { return (y * columns + x) * 3; };
    for (std::size_t s = 0; s < 3; ++s) {
        EXPECT_EQ(after.bytes[rgb(5, 5) + s], 0);
        EXPECT_EQ(after.bytes[rgb(200, 5) + s], 128);  // the grey background (checked in the --png preview)
    }
}

TEST(Clean, FlaggedWithoutRegionsGoesToQuarantine) {
    const auto input = kFiles / "CT_small.dcm";
    const auto result = clean(input, "  contains Modality CT\n");
    EXPECT_EQ(result.status, kExitSetAside);  // a quarantined file is news for CI
    EXPECT_THAT(result.out, ::testing::HasSubstr("flagged without regions to clean (graylist / test): quarantined"));
    EXPECT_FALSE(std::filesystem::exists(result.file));
    EXPECT_TRUE(std::filesystem::exists(result.file.parent_path() / "quarantine" / input.filename()));
}

}  // namespace
}  // namespace deid

namespace deid {
namespace {

TEST(PutCleanPixels, FiltersReadTheOriginalHeaderThenPixelsAreCleaned) {
    const auto input = testing::kSharedDir / "data/dicom/deid-data/ultrasounds/GREYSCALE_IMAGE.dcm";
    const auto work = testing::fresh_subdir("deid_put_clean_pixels");
    // The header removes Modality, which the filter reads: screening must see it still.
    std::ofstream(work / "recipe.deid") << "FORMAT dicom\n%filter graylist\nLABEL us\n  contains Modality US\n"
                                           "  coordinates 0,0,1024,40\n%header\nREMOVE Modality\n";
    PutOptions options;
    options.inputs = {input};
    options.recipes = {work / "recipe.deid"};
    options.output = work / "out";
    options.clean_pixels = true;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_put(options, standard_dictionary(), out, err), 0) << err.str();
    DcmFileFormat written;
    ASSERT_TRUE(written.loadFile((work / "out" / input.filename()).c_str()).good());
    EXPECT_FALSE(written.getDataset()->tagExists(DCM_Modality));
    const Pixels before = decoded(input);
    const Pixels after = decoded(work / "out" / input.filename());
    EXPECT_TRUE(std::all_of(after.bytes.begin(), after.bytes.begin() + 1024 * 40, [](Uint8 b) { return b == 0; }));
    EXPECT_TRUE(std::equal(after.bytes.begin() + 1024 * 40, after.bytes.end(), before.bytes.begin() + 1024 * 40));
    EXPECT_NE(before.bytes, after.bytes);
}

}  // namespace
}  // namespace deid

namespace deid {
namespace {

std::uint32_t big_endian_at(const std::string& bytes, std::size_t offset) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset])) << 24U) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + 1])) << 16U) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + 2])) << 8U) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + 3]));
}

TEST(Clean, PngPreviewShowsBeforeAndAfterSideBySide) {
    const auto input = testing::kSharedDir / "data/dicom/deid-data/ultrasounds/GREYSCALE_IMAGE.dcm";
    const auto work = testing::fresh_subdir("deid_clean_png");
    std::ofstream(work / "recipe.deid") << "FORMAT dicom\n%filter graylist\nLABEL us\n  contains Modality US\n"
                                           "  coordinates 0,0,640,40\n";
    CleanOptions options;
    options.inputs = {input};
    options.recipes = {work / "recipe.deid"};
    options.output = work / "out";
    options.png_folder = work / "out" / "previews";  // inside OUTDIR: refused, it shows the original text
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), kExitRecipeError);
    EXPECT_THAT(err.str(), ::testing::HasSubstr("--png " + (work / "out" / "previews").string() +
                                                " is inside the output folder"));
    options.png_folder = work / "previews";
    ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), 0) << err.str();
    EXPECT_FALSE(std::filesystem::exists(work / "out" / "GREYSCALE_IMAGE.dcm.png"));
    const std::string png = testing::read_bytes(work / "previews" / "GREYSCALE_IMAGE.dcm.png");
    ASSERT_GT(png.size(), 33u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(big_endian_at(png, 16), 2u * 1024u);  // before | after, Columns 1024
    EXPECT_EQ(big_endian_at(png, 20), 768u);         // Rows
    EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

}  // namespace
}  // namespace deid

namespace deid {
namespace {

TEST(Clean, GreyscaleCineEveryFrameIsCleaned) {
    // The cine ships zipped; unzip it with python3's zipfile (installed by setup.sh).
    const auto work = testing::fresh_subdir("deid_clean_cine");
    std::filesystem::create_directories(work / "in");
    const std::string unzip = "python3 -c \"import zipfile; zipfile.ZipFile('" +
                              (testing::kSharedDir / "data/dicom/deid-data/ultrasounds/GREYSCALE_CINE.zip").string() +
                              "').extractall('" + (work / "in").string() + "')\"";
    ASSERT_EQ(std::system(unzip.c_str()), 0);
    const auto input = work / "in" / "GREYSCALE_CINE.dcm";
    std::ofstream(work / "recipe.deid") << "FORMAT dicom\n%filter graylist\nLABEL us\n  contains Modality US\n"
                                           "  coordinates 0,0,800,40\n";
    CleanOptions options;
    options.inputs = {input};
    options.recipes = {work / "recipe.deid"};
    options.output = work / "out";
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_clean(options, standard_dictionary(), out, err), 0) << err.str();
    const Pixels before = decoded(input);
    const Pixels after = decoded(work / "out" / "GREYSCALE_CINE.dcm");
    // 600 x 800, 8 bit, one sample, 27 frames (dcmdump GREYSCALE_CINE.dcm).
    const std::size_t frame = 600 * 800;
    ASSERT_EQ(after.bytes.size(), 27 * frame);
    for (std::size_t f = 0; f < 27; ++f) {
        const auto start = after.bytes.begin() + static_cast<std::ptrdiff_t>(f * frame);
        EXPECT_TRUE(std::all_of(start, start + 800 * 40, [](Uint8 b) { return b == 0; })) << "frame " << f;
        EXPECT_TRUE(std::equal(start + 800 * 40, start + static_cast<std::ptrdiff_t>(frame),
                               before.bytes.begin() + static_cast<std::ptrdiff_t>(f * frame + 800 * 40)))
            << "frame " << f;
    }
}

}  // namespace
}  // namespace deid
