#include "runtime/pixels/jpeg2000.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <openjpeg.h>

namespace deid {
namespace {

// OpenJPEG reads from this through the callbacks below.
struct MemoryStream {
    const Uint8* data = nullptr;
    std::size_t size = 0;
    std::size_t position = 0;
};

OPJ_SIZE_T read_memory(void* buffer, OPJ_SIZE_T bytes, void* user) {
    auto& stream = *static_cast<MemoryStream*>(user);
    if (stream.position >= stream.size) {
        return static_cast<OPJ_SIZE_T>(-1);
    }
    const std::size_t count = std::min<std::size_t>(bytes, stream.size - stream.position);
    std::memcpy(buffer, stream.data + stream.position, count);
    stream.position += count;
    return count;
}

OPJ_OFF_T skip_memory(OPJ_OFF_T bytes, void* user) {
    auto& stream = *static_cast<MemoryStream*>(user);
    const auto target = std::clamp<OPJ_OFF_T>(static_cast<OPJ_OFF_T>(stream.position) + bytes, 0,
                                              static_cast<OPJ_OFF_T>(stream.size));
    const OPJ_OFF_T skipped = target - static_cast<OPJ_OFF_T>(stream.position);
    stream.position = static_cast<std::size_t>(target);
    return skipped;
}

OPJ_BOOL seek_memory(OPJ_OFF_T offset, void* user) {
    auto& stream = *static_cast<MemoryStream*>(user);
    if (offset < 0 || static_cast<std::size_t>(offset) > stream.size) {
        return OPJ_FALSE;
    }
    stream.position = static_cast<std::size_t>(offset);
    return OPJ_TRUE;
}

void keep_message(const char* message, void* user) { *static_cast<std::string*>(user) = message; }

struct CodecDeleter {
    void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct StreamDeleter {
    void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct ImageDeleter {
    void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};

struct Frame {
    std::unique_ptr<opj_image_t, ImageDeleter> image;
    std::string error;
};

// A JP2 file starts with its signature box; a bare codestream with SOC (FF 4F).
Frame decode_frame(const std::vector<Uint8>& bytes) {
    Frame frame;
    constexpr Uint8 kJp2Signature[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    const bool jp2 = bytes.size() >= sizeof kJp2Signature && std::equal(std::begin(kJp2Signature), std::end(kJp2Signature), bytes.begin());
    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    opj_set_error_handler(codec.get(), keep_message, &frame.error);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(codec.get(), &parameters)) {
        frame.error = "OpenJPEG cannot set up a decoder";
        return frame;
    }
    MemoryStream memory{bytes.data(), bytes.size(), 0};
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
    opj_stream_set_user_data(stream.get(), &memory, nullptr);
    opj_stream_set_user_data_length(stream.get(), bytes.size());
    opj_stream_set_read_function(stream.get(), read_memory);
    opj_stream_set_skip_function(stream.get(), skip_memory);
    opj_stream_set_seek_function(stream.get(), seek_memory);
    opj_image_t* image = nullptr;
    const bool header = opj_read_header(stream.get(), codec.get(), &image);
    frame.image.reset(image);
    if (!header || !opj_decode(codec.get(), stream.get(), image) || !opj_end_decompress(codec.get(), stream.get())) {
        if (frame.error.empty()) {
            frame.error = "OpenJPEG cannot decode the JPEG 2000 data";
        }
        frame.image.reset();
    }
    return frame;
}

// The compressed bytes of each frame: one fragment per frame, or every
// fragment of a single frame.
std::vector<std::vector<Uint8>> frame_bytes(DcmPixelSequence& sequence, unsigned long frames, std::string& error) {
    std::vector<std::vector<Uint8>> result;
    const unsigned long fragments = sequence.card() > 0 ? sequence.card() - 1 : 0;  // item 0: offset table
    if (fragments == 0 || (fragments != frames && frames != 1)) {
        error = std::to_string(fragments) + " JPEG 2000 fragments for " + std::to_string(frames) +
                " frames (only one fragment per frame, or one frame, are supported)";
        return {};
    }
    for (unsigned long i = 1; i <= fragments; ++i) {
        DcmPixelItem* item = nullptr;
        Uint8* data = nullptr;
        if (sequence.getItem(item, i).bad() || item->getUint8Array(data).bad()) {
            error = "cannot read JPEG 2000 fragment " + std::to_string(i);
            return {};
        }
        if (frames == 1 && !result.empty()) {
            result.front().insert(result.front().end(), data, data + item->getLength());
        } else {
            result.emplace_back(data, data + item->getLength());
        }
    }
    return result;
}

}  // namespace

std::string decode_jpeg2000(DcmDataset& dataset) {
    const E_TransferSyntax syntax = dataset.getOriginalXfer();
    if (syntax != EXS_JPEG2000LosslessOnly && syntax != EXS_JPEG2000) {
        return "";
    }
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 bits_allocated = 0;
    Uint16 samples = 1;
    Sint32 frames = 1;
    dataset.findAndGetUint16(DCM_Rows, rows);
    dataset.findAndGetUint16(DCM_Columns, columns);
    dataset.findAndGetUint16(DCM_BitsAllocated, bits_allocated);
    dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
    dataset.findAndGetSint32(DCM_NumberOfFrames, frames);
    if (bits_allocated != 8 && bits_allocated != 16) {
        return "JPEG 2000 with BitsAllocated " + std::to_string(bits_allocated) + " is not supported";
    }
    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
        return "no PixelData";
    }
    auto* pixel_data = static_cast<DcmPixelData*>(element);
    if (pixel_data->hasRepresentation(EXS_LittleEndianExplicit, nullptr)) {
        return "";  // decoded already
    }
    DcmPixelSequence* sequence = nullptr;
    if (pixel_data->getEncapsulatedRepresentation(syntax, nullptr, sequence).bad() || sequence == nullptr) {
        return "no encapsulated JPEG 2000 pixel data";
    }
    std::string error;
    const auto encoded = frame_bytes(*sequence, static_cast<unsigned long>(std::max<Sint32>(frames, 1)), error);
    if (!error.empty()) {
        return error;
    }
    const std::size_t frame_values = std::size_t{rows} * columns * samples;
    std::vector<Uint16> words;
    std::vector<Uint8> bytes;
    (bits_allocated == 8 ? bytes.reserve(frame_values * encoded.size()) : words.reserve(frame_values * encoded.size()));
    for (const auto& compressed : encoded) {
        const Frame frame = decode_frame(compressed);
        if (!frame.image) {
            return frame.error;
        }
        const opj_image_t& image = *frame.image;
        if (image.numcomps != samples) {
            return "the JPEG 2000 data has " + std::to_string(image.numcomps) + " components, SamplesPerPixel is " +
                   std::to_string(samples);
        }
        for (unsigned c = 0; c < image.numcomps; ++c) {
            if (image.comps[c].w != columns || image.comps[c].h != rows || image.comps[c].data == nullptr) {
                return "the JPEG 2000 image is not " + std::to_string(columns) + "x" + std::to_string(rows);
            }
        }
        // Interleaved samples (PlanarConfiguration 0), as stored natively.
        for (std::size_t p = 0; p < std::size_t{rows} * columns; ++p) {
            for (unsigned c = 0; c < image.numcomps; ++c) {
                const OPJ_INT32 value = image.comps[c].data[p];
                if (bits_allocated == 8) {
                    bytes.push_back(static_cast<Uint8>(value));
                } else {
                    words.push_back(static_cast<Uint16>(value));  // two's complement when signed
                }
            }
        }
    }
    const OFCondition put = bits_allocated == 8
                                ? pixel_data->putUint8Array(bytes.data(), static_cast<unsigned long>(bytes.size()))
                                : pixel_data->putUint16Array(words.data(), static_cast<unsigned long>(words.size()));
    if (put.bad()) {
        return std::string("cannot store the decoded pixels: ") + put.text();
    }
    pixel_data->removeAllButCurrentRepresentations();
    if (samples == 3) {
        OFString photometric;
        dataset.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
        if (photometric == "YBR_RCT" || photometric == "YBR_ICT") {
            dataset.putAndInsertString(DCM_PhotometricInterpretation, "RGB");  // OpenJPEG undid the transform
        }
        dataset.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    }
    return "";
}

}  // namespace deid
