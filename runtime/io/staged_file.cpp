#include "runtime/io/staged_file.hpp"

#include <cstddef>
#include <utility>

namespace deid {

StagedFile::~StagedFile() {
    if (file) {
        (void)abandon(*this, {});
    }
}

std::filesystem::path temporary_beside(const std::filesystem::path& target) {
    return target.parent_path() / ("." + target.filename().string() + ".deid-partial");
}

std::variant<StagedFile, WriteFailure> open_staged(const std::filesystem::path& target, FileSystem& files,
                                                   bool replace) {
    if (const auto error = files.create_directories(target.parent_path())) {
        return WriteFailure{WriteFailure::Kind::io,
                            "cannot create folder " + target.parent_path().string() + ": " + error.message()};
    }
    StagedFile staged(temporary_beside(target), target, replace, files);
    std::error_code error;
    staged.file = files.create(staged.temporary, error);
    if (!staged.file) {
        return WriteFailure{WriteFailure::Kind::io, "cannot write " + staged.temporary.string() + ": " + error.message()};
    }
    return staged;
}

namespace {

// A held output is written in pieces of this size, not in one call. On a
// 2-core VM that hands free memory back to its host, the committer's writer
// copying a whole small output (hundreds of KiB) into the page cache in one
// call was far slower, and its pieces had to be small; why is not settled.
// Measured 2026-12-02 on 1,000 small files at -j1 (interleaved runs, each
// after a DCMTK run as in bench/run.sh): `put --default` 1.72 s in one call
// per file, 1.01 s in 32 KiB pieces; `put --profile basic` 1.71-1.80 s in
// one call, 1.65 s in 256 KiB pieces, 1.20-1.28 s in 64 KiB, 1.06 s in
// 32 KiB, 1.03-1.19 s in 16 KiB, 1.14 s in 4 KiB. Elsewhere the pieces cost
// a few dozen system calls per file.
constexpr std::size_t kHeldWritePiece = std::size_t{32} << 10U;

}  // namespace

std::variant<StagedFile, WriteFailure> stage_held(const HeldOutput& held) {
    auto opened = open_staged(held.target, *held.files, held.replace);
    if (auto* staged = std::get_if<StagedFile>(&opened)) {
        if (const auto error = write_in_pieces(*staged->file, held.bytes, kHeldWritePiece)) {
            return abandon(*staged, "cannot write " + held.target.string() + ": " + error.message());
        }
    }
    return opened;
}

WriteFailure abandon(StagedFile& staged, std::string message) {
    if (staged.file) {
        (void)staged.file->close();
        staged.file.reset();
    }
    (void)staged.files->remove(staged.temporary);
    return WriteFailure{WriteFailure::Kind::io, std::move(message)};
}

std::optional<WriteFailure> publish(StagedFile& staged) {
    const auto close_error = staged.file->close();
    staged.file.reset();
    if (close_error) {
        return abandon(staged, "cannot write " + staged.target.string() + ": " + close_error.message());
    }
    if (const auto rename_error = staged.files->rename(staged.temporary, staged.target, staged.replace)) {
        (void)staged.files->remove(staged.temporary);
        if (rename_error == std::errc::file_exists) {
            return WriteFailure{WriteFailure::Kind::exists, staged.target.string() + " exists"};
        }
        return WriteFailure{WriteFailure::Kind::io, "cannot move the output into place at " +
                                                        staged.target.string() + ": " + rename_error.message()};
    }
    return std::nullopt;
}

std::optional<WriteFailure> sync_staged(StagedFile& staged) {
    if (const auto sync_error = staged.file->sync()) {
        return abandon(staged, "cannot write " + staged.target.string() + ": " + sync_error.message());
    }
    return std::nullopt;
}

std::optional<WriteFailure> sync_and_publish(StagedFile& staged, bool sync) {
    if (sync) {
        if (auto failure = sync_staged(staged)) {
            return failure;
        }
    }
    return publish(staged);
}

}  // namespace deid
