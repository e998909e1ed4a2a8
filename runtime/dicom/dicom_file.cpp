#include "runtime/dicom/dicom_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <system_error>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcwcache.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <utility>

namespace deid {

namespace {

// deid's own implementation identity in the meta headers it writes. The UID
// is UUID-derived (2.25 root), so it needs no registered organisation root.
constexpr const char* kImplementationClassUid = "2.25.164885211883086541592982762740727042227";
constexpr const char* kImplementationVersionName = "DEID_0.1";

// The meta header written is the input's, updated: MediaStorageSOP* copied
// from the dataset where it has them (never invented), the transfer syntax
// of the output, and deid's implementation identity.
void update_meta_header(DcmFileFormat& file, E_TransferSyntax syntax) {
    DcmMetaInfo& meta = *file.getMetaInfo();
    DcmDataset& dataset = *file.getDataset();
    // Only group 0002 belongs in a meta header: anything else (a damaged
    // file's stray element) would stop every reader of the output there.
    for (unsigned long i = meta.card(); i-- > 0;) {
        if (meta.getElement(i)->getGTag() != 0x0002) {
            delete meta.remove(i);
        }
    }
    if (!meta.tagExists(DCM_FileMetaInformationVersion)) {
        const Uint8 version[] = {0x00, 0x01};
        meta.putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
    }
    for (const auto& [from, to] : {std::pair{DCM_SOPClassUID, DCM_MediaStorageSOPClassUID},
                                   std::pair{DCM_SOPInstanceUID, DCM_MediaStorageSOPInstanceUID}}) {
        // Only a real UI value: some files carry the UIDs as UN bytes.
        DcmElement* element = nullptr;
        OFString uid;
        if (dataset.findAndGetElement(from, element, OFFalse).good() && element->ident() == EVR_UI &&
            element->getOFStringArray(uid).good() && !uid.empty()) {
            meta.putAndInsertOFStringArray(to, uid);
        }
    }
    meta.putAndInsertString(DCM_TransferSyntaxUID, DcmXfer(syntax).getXferID());
    meta.putAndInsertString(DCM_ImplementationClassUID, kImplementationClassUid);
    meta.putAndInsertString(DCM_ImplementationVersionName, kImplementationVersionName);
    // The meta header is always explicit VR little endian; its group length
    // must count what is in it now.
    if (!meta.tagExists(DCM_FileMetaInformationGroupLength)) {
        meta.putAndInsertUint32(DCM_FileMetaInformationGroupLength, 0);
    }
    meta.computeGroupLengthAndPadding(EGL_recalcGL, EPD_noChange, EXS_LittleEndianExplicit, EET_ExplicitLength);
}

bool is_illegal_group(std::uint16_t group) {
    return group == 0x0001 || group == 0x0003 || group == 0x0005 || group == 0x0007 || group == 0xFFFF;
}

std::string path_step(const DcmTagKey& key) {
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "(%04X,%04X)", key.getGroup(), key.getElement());
    return buffer.data();
}

void drop_illegal_in(DcmItem& item, const std::string& prefix, std::vector<std::string>& dropped) {
    // Collected first: removing while walking would move the item's cursor.
    std::vector<DcmElement*> elements;
    for (DcmObject* object = item.nextInContainer(nullptr); object != nullptr; object = item.nextInContainer(object)) {
        elements.push_back(static_cast<DcmElement*>(object));
    }
    // Paths are made only where needed: every file is walked, few have anything to drop.
    for (DcmElement* element : elements) {
        const DcmTagKey key = element->getTag().getXTag();
        if (is_illegal_group(key.getGroup())) {
            delete item.remove(element);
            dropped.push_back(prefix + path_step(key));
        } else if (element->ident() == EVR_SQ) {
            auto* sequence = static_cast<DcmSequenceOfItems*>(element);
            for (unsigned long index = 0; index < sequence->card(); ++index) {
                drop_illegal_in(*sequence->getItem(index), prefix + path_step(key) + "__" + std::to_string(index) + "__",
                                dropped);
            }
        }
    }
}

// Hands DCMTK's output to a WritableFile and keeps the first error the
// operating system reports, which DCMTK's own file stream would lose.
// DCMTK hands over each element's bytes on their own; gathered here, a file
// takes a few writes instead of hundreds (a system call each).
class CheckedConsumer final : public DcmConsumer {
public:
    explicit CheckedConsumer(WritableFile& file) : file_(file) { buffer_.reserve(kBufferSize); }
    [[nodiscard]] const std::error_code& error() const { return error_; }

    OFBool good() const override { return !error_; }
    OFCondition status() const override { return error_ ? EC_InvalidStream : EC_Normal; }
    OFBool isFlushed() const override { return buffer_.empty(); }
    offile_off_t avail() const override { return error_ ? 0 : kAvailable; }
    offile_off_t write(const void* bytes, offile_off_t size) override {
        if (error_ || size <= 0) {
            return 0;
        }
        const auto* data = static_cast<const char*>(bytes);
        const auto count = static_cast<std::size_t>(size);
        if (buffer_.size() + count > kBufferSize) {
            flush();
            if (error_) {
                return 0;
            }
        }
        if (count >= kBufferSize) {
            // A large element (pixel data) in buffer-sized pieces: in one
            // call it was slower and erratic on a 2-core VM (20 outputs of
            // 13 MB, 2026-12-02: 0.19-0.75 s, median 0.64 s, against 0.19-0.20 s
            // in 256 KiB pieces and 0.20-0.22 s in 32 KiB ones).
            error_ = write_in_pieces(file_, std::string_view(data, count), kBufferSize);
        } else {
            buffer_.append(data, count);
        }
        return error_ ? 0 : size;
    }
    void flush() override {
        if (!error_ && !buffer_.empty()) {
            error_ = file_.write(buffer_.data(), buffer_.size());
        }
        buffer_.clear();
    }

private:
    static constexpr offile_off_t kAvailable = offile_off_t{1} << 30;
    static constexpr std::size_t kBufferSize = std::size_t{256} << 10U;
    WritableFile& file_;
    std::string buffer_;
    std::error_code error_;
};

// Gathers DCMTK's output in memory, for a writer on another thread. It
// cannot fail but for want of memory, which throws.
class MemoryConsumer final : public DcmConsumer {
public:
    explicit MemoryConsumer(std::string& bytes) : bytes_(bytes) {}

    OFBool good() const override { return OFTrue; }
    OFCondition status() const override { return EC_Normal; }
    OFBool isFlushed() const override { return OFTrue; }
    offile_off_t avail() const override { return kAvailable; }
    offile_off_t write(const void* bytes, offile_off_t size) override {
        if (size > 0) {
            bytes_.append(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
        }
        return size > 0 ? size : 0;
    }
    void flush() override {}

private:
    static constexpr offile_off_t kAvailable = offile_off_t{1} << 30;
    std::string& bytes_;
};

// DcmOutputStream's constructor is for subclasses: a stream over a consumer.
class ConsumerStream final : public DcmOutputStream {
public:
    explicit ConsumerStream(DcmConsumer& consumer) : DcmOutputStream(&consumer) {}
};

// The 128-byte preamble and "DICM" before the meta header.
constexpr std::size_t kPreambleSize = 132;

// The first bytes of a file, or the operating system's reason why not.
std::variant<std::string, std::error_code> read_head(const std::filesystem::path& path, std::size_t size) {
    errno = 0;
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    }
    std::string head(size, '\0');
    stream.read(head.data(), static_cast<std::streamsize>(size));
    if (stream.bad()) {
        return std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    }
    head.resize(static_cast<std::size_t>(stream.gcount()));
    return head;
}

bool has_part10_marker(std::string_view head) { return head.size() >= 132 && head.substr(128, 4) == "DICM"; }

// Whether `head` starts with a few well-formed elements in `syntax`: the
// first in group 0002 or 0008 (where every dataset starts), tags ascending,
// explicit VRs that exist, lengths within the file. All-zero blocks and
// other files that DCMTK's lenient parser would read as elements fail here.
bool starts_like_a_dataset(std::string_view head, E_TransferSyntax syntax, std::uintmax_t file_size) {
    const bool big_endian = syntax == EXS_BigEndianExplicit;
    const bool explicit_vr = syntax != EXS_LittleEndianImplicit;
    auto u16 = [&](std::size_t at) {
        const auto a = static_cast<unsigned>(static_cast<std::uint8_t>(head[at]));
        const auto b = static_cast<unsigned>(static_cast<std::uint8_t>(head[at + 1]));
        return static_cast<std::uint16_t>(big_endian ? (a << 8U) | b : (b << 8U) | a);
    };
    auto u32 = [&](std::size_t at) {
        const std::uint32_t first = u16(at);
        const std::uint32_t second = u16(at + 2);
        return big_endian ? (first << 16U) | second : (second << 16U) | first;
    };
    std::size_t at = 0;
    std::uint32_t previous = 0;
    for (int elements = 0; elements < 8; ++elements) {
        if (at + 8 > head.size()) {
            return elements > 0;
        }
        const std::uint32_t tag = (std::uint32_t{u16(at)} << 16U) | u16(at + 2);
        const auto group = static_cast<std::uint16_t>(tag >> 16U);
        if (elements == 0 ? (group != 0x0002 && group != 0x0008) : tag <= previous) {
            return false;
        }
        previous = tag;
        std::uint64_t length = 0;
        std::size_t header = 8;
        if (explicit_vr) {
            const std::string vr_name(head.substr(at + 4, 2));
            const DcmVR vr(vr_name.c_str());
            if (!std::isupper(static_cast<unsigned char>(vr_name[0])) ||
                !std::isupper(static_cast<unsigned char>(vr_name[1])) || vr.getEVR() == EVR_UNKNOWN ||
                !vr.isStandard()) {
                return false;
            }
            if (vr.usesExtendedLengthEncoding()) {
                if (at + 12 > head.size()) {
                    return true;
                }
                length = u32(at + 8);
                header = 12;
            } else {
                length = u16(at + 6);
            }
        } else {
            length = u32(at + 4);
        }
        if (length == 0xFFFFFFFFULL) {
            return true;  // a sequence of undefined length: too far to follow here
        }
        if (at + header + length > file_size) {
            return false;
        }
        at += header + static_cast<std::size_t>(length);
    }
    return true;
}

std::string os_reason(const std::error_code& error) { return "cannot read the file: " + error.message(); }

constexpr Uint32 kReadEverything = 0xFFFFFFFEU;

// Reads every element's value now: DCMTK leaves large values (pixel data)
// in the file until they are used, so a file cut short inside them would
// otherwise read as good.
OFCondition load_completely(DcmFileFormat& file, const std::filesystem::path& path, E_TransferSyntax syntax,
                            E_FileReadMode mode) {
    // Every value in one pass: a maximal read length loads large values too,
    // instead of reopening the file for each of them afterwards.
    OFCondition status = file.loadFile(path.c_str(), syntax, EGL_noChange, kReadEverything, mode);
    // Then nothing is left to load but a value of 0xFFFFFFFE bytes or more:
    // the walk costs little and keeps the promise for those.
    if (status.good()) {
        status = file.loadAllDataIntoMemory();
    }
    return status;
}

}  // namespace

std::variant<std::unique_ptr<DcmFileFormat>, LoadError> load_dicom(const std::filesystem::path& path) {
    const auto head_or_error = read_head(path, 4096);
    if (const auto* error = std::get_if<std::error_code>(&head_or_error)) {
        return LoadError{LoadError::Kind::unreadable, os_reason(*error)};
    }
    const auto& head = std::get<std::string>(head_or_error);
    std::error_code size_error;
    const std::uintmax_t size = std::filesystem::file_size(path, size_error);
    auto file = std::make_unique<DcmFileFormat>();
    if (has_part10_marker(head)) {
        if (const OFCondition status = load_completely(*file, path, EXS_Unknown, ERM_autoDetect); status.bad()) {
            return LoadError{LoadError::Kind::broken, std::string("broken DICOM file: ") + status.text()};
        }
        return file;
    }
    constexpr std::array kBareSyntaxes = {EXS_LittleEndianExplicit, EXS_LittleEndianImplicit, EXS_BigEndianExplicit};
    auto plausible = [&](E_TransferSyntax syntax) { return !size_error && starts_like_a_dataset(head, syntax, size); };
    if (std::none_of(kBareSyntaxes.begin(), kBareSyntaxes.end(), plausible)) {
        return LoadError{LoadError::Kind::not_dicom, "not a DICOM file (or one too broken to recognise)"};
    }
    // DCMTK's own detection first (it also reads a meta header without the
    // preamble), then each syntax the first bytes allow.
    std::optional<std::string> broken;
    for (const E_TransferSyntax syntax : {EXS_Unknown, kBareSyntaxes[0], kBareSyntaxes[1], kBareSyntaxes[2]}) {
        if (syntax != EXS_Unknown && !plausible(syntax)) {
            continue;
        }
        file = std::make_unique<DcmFileFormat>();
        const OFCondition status =
            load_completely(*file, path, syntax, syntax == EXS_Unknown ? ERM_autoDetect : ERM_dataset);
        if (!file->getDataset()->tagExistsWithValue(DCM_SOPClassUID)) {
            continue;
        }
        if (status.good()) {
            return file;
        }
        broken = broken.value_or(std::string("broken DICOM dataset: ") + status.text());
    }
    if (broken) {
        return LoadError{LoadError::Kind::broken, *broken};
    }
    return LoadError{LoadError::Kind::not_dicom, "not a DICOM file (or one too broken to recognise)"};
}

std::optional<std::string> missing_pixel_data(DcmFileFormat& file) {
    DcmDataset& dataset = *file.getDataset();
    if (dataset.tagExists(DCM_PixelData) || dataset.tagExists(DCM_FloatPixelData) ||
        dataset.tagExists(DCM_DoubleFloatPixelData)) {
        return std::nullopt;
    }
    const bool has_geometry = dataset.tagExists(DCM_Rows) && dataset.tagExists(DCM_Columns);
    // The meta header's copy where the dataset was cut before its own.
    OFString sop_class;
    if (dataset.findAndGetOFString(DCM_SOPClassUID, sop_class).bad()) {
        file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
    }
    bool image_class = false;
    for (int i = 0; i < numberOfDcmImageSOPClassUIDs; ++i) {
        image_class = image_class || sop_class == dcmImageSOPClassUIDs[i];
    }
    if (!has_geometry && !image_class) {
        return std::nullopt;
    }
    return std::string("no pixel data: truncated? (") +
           (has_geometry ? "it has Rows and Columns" : "its SOP class is an image storage class") +
           "; written as it is)";
}

std::vector<std::string> drop_illegal_group_elements(DcmFileFormat& file) {
    std::vector<std::string> dropped;
    drop_illegal_in(*file.getDataset(), "", dropped);
    return dropped;
}

std::string illegal_group_warning(const std::string& path) {
    // The path ends in the element's own step, "(GGGG,EEEE)".
    const std::string group = path.size() >= 10 ? path.substr(path.size() - 10, 4) : path;
    return path + ": dropped: group " + group + " is illegal in DICOM, so the element cannot be written, and it "
                                                "may hold anything";
}

bool is_media_directory(DcmFileFormat& file) {
    OFString sop_class;
    file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
    return sop_class == UID_MediaStorageDirectoryStorage;
}

bool has_sop_class_uid(DcmFileFormat& file) { return file.getDataset()->tagExistsWithValue(DCM_SOPClassUID); }

bool has_sop_instance_uid(DcmFileFormat& file) { return file.getDataset()->tagExistsWithValue(DCM_SOPInstanceUID); }

std::vector<std::string> drop_orphaned_meta_uids(DcmFileFormat& file, bool had_class, bool had_instance) {
    std::vector<std::string> dropped;
    if (had_class && !has_sop_class_uid(file)) {
        file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID, "");
        dropped.emplace_back("SOPClassUID");
    }
    if (had_instance && !has_sop_instance_uid(file)) {
        file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, "");
        dropped.emplace_back("SOPInstanceUID");
    }
    return dropped;
}

namespace {

// DCMTK's part of writing: `file` as a Part 10 file into `consumer`, whose
// own errors are its to report. DCMTK's complaint, if it has one.
std::optional<std::string> write_part10(DcmFileFormat& file, E_TransferSyntax syntax, DcmConsumer& consumer,
                                        const std::filesystem::path& target) {
    ConsumerStream stream(consumer);
    DcmWriteCache cache;
    file.transferInit();
    const OFCondition status = file.write(stream, syntax, EET_ExplicitLength, &cache, EGL_recalcGL, EPD_noChange, 0,
                                          0, 0, EWM_dontUpdateMeta);
    file.transferEnd();
    if (status.bad()) {
        return std::string("cannot write DICOM: ") + status.text();
    }
    stream.flush();
    consumer.flush();  // a compression filter's last bytes reach the consumer without a flush of it
    if (!stream.isFlushed()) {
        return "cannot write " + target.string() + ": not all data was written";
    }
    return std::nullopt;
}

// The transfer syntax an output is written in (its input's), with the meta
// header updated for it.
E_TransferSyntax prepare_meta_header(DcmFileFormat& file) {
    E_TransferSyntax syntax = file.getDataset()->getOriginalXfer();
    if (syntax == EXS_Unknown) {
        syntax = EXS_LittleEndianExplicit;
    }
    update_meta_header(file, syntax);
    return syntax;
}

// stage_dicom once the meta header is prepared.
std::variant<StagedFile, WriteFailure> stage_prepared(DcmFileFormat& file, E_TransferSyntax syntax,
                                                      const std::filesystem::path& target, FileSystem& files,
                                                      bool replace) {
    auto opened = open_staged(target, files, replace);
    auto* staged = std::get_if<StagedFile>(&opened);
    if (staged == nullptr) {
        return opened;
    }
    // From here on, every way out that is not a success removes the temporary.
    CheckedConsumer consumer(*staged->file);
    const auto dcmtk_error = write_part10(file, syntax, consumer, target);
    if (consumer.error()) {  // the operating system's reason first: DCMTK's then says only that it stopped
        return abandon(*staged, "cannot write " + target.string() + ": " + consumer.error().message());
    }
    if (dcmtk_error) {
        return abandon(*staged, *dcmtk_error);
    }
    return opened;
}

}  // namespace

std::variant<StagedFile, WriteFailure> stage_dicom(DcmFileFormat& file, const std::filesystem::path& target,
                                                   FileSystem& files, bool replace) {
    return stage_prepared(file, prepare_meta_header(file), target, files, replace);
}

std::variant<PendingOutput, WriteFailure> stage_or_hold_dicom(DcmFileFormat& file, const std::filesystem::path& target,
                                                              FileSystem& files, bool replace,
                                                              std::uint64_t largest_held) {
    const E_TransferSyntax syntax = prepare_meta_header(file);
    const std::uint64_t size = kPreambleSize + file.calcElementLength(syntax, EET_ExplicitLength);
    if (size > largest_held) {
        auto staged = stage_prepared(file, syntax, target, files, replace);
        if (auto* failure = std::get_if<WriteFailure>(&staged)) {
            return std::move(*failure);
        }
        return PendingOutput(std::move(std::get<StagedFile>(staged)));
    }
    HeldOutput held{{}, target, replace, &files};
    held.bytes.reserve(static_cast<std::size_t>(size));
    MemoryConsumer consumer(held.bytes);
    if (auto dcmtk_error = write_part10(file, syntax, consumer, target)) {
        return WriteFailure{WriteFailure::Kind::io, std::move(*dcmtk_error)};
    }
    return PendingOutput(std::move(held));
}

std::optional<WriteFailure> save_dicom_atomically(DcmFileFormat& file, const std::filesystem::path& target,
                                                  FileSystem& files, const WriteSettings& settings) {
    auto staged = stage_dicom(file, target, files, settings.replace);
    if (auto* failure = std::get_if<WriteFailure>(&staged)) {
        return std::move(*failure);
    }
    return sync_and_publish(std::get<StagedFile>(staged), settings.sync);
}

}  // namespace deid
