#include "runtime/io/staged_file.hpp"

#include <utility>

namespace deid {

StagedFile::~StagedFile() {
    if (file) {
        (void)abandon(*this, {});
    }
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

std::optional<WriteFailure> sync_and_publish(StagedFile& staged, bool sync) {
    if (sync) {
        if (const auto sync_error = staged.file->sync()) {
            return abandon(staged, "cannot write " + staged.target.string() + ": " + sync_error.message());
        }
    }
    return publish(staged);
}

}  // namespace deid
