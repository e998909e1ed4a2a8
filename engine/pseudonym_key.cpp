#include "engine/pseudonym_key.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "engine/run_gate.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {
namespace {

constexpr std::size_t kHexDigits = 2 * stdlib::kKeyBytes;

std::string system_reason(int error) { return std::strerror(error); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Writes all of `text` to the descriptor; the error number, or 0.
int write_all(int descriptor, std::string_view text) {
    while (!text.empty()) {
        const ssize_t written = ::write(descriptor, text.data(), text.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return 0;
}

}  // namespace

PseudonymKey::PseudonymKey(const std::array<unsigned char, stdlib::kKeyBytes>& bytes)
    : bytes_(bytes), fingerprint_(stdlib::key_fingerprint(this->bytes())) {}

PseudonymKey::~PseudonymKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::variant<PseudonymKey, std::string> PseudonymKey::read(const std::filesystem::path& file) {
    const std::string name = file.string();
    const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) {
        return name + ": error: cannot read the key: " + system_reason(errno);
    }
    struct stat status {};
    if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
        ::close(descriptor);
        return name + ": error: the key is not a regular file";
    }
    if ((status.st_mode & 077U) != 0) {
        ::close(descriptor);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777U));
        return name + ": error: the key may be read by others (mode " + mode + "); only its owner may: chmod 600 " +
               name;
    }
    std::array<char, kHexDigits + 3> text{};  // the digits, a line end, and one more to see that it is too long
    std::size_t size = 0;
    while (size < text.size()) {
        const ssize_t got = ::read(descriptor, text.data() + size, text.size() - size);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        size += static_cast<std::size_t>(got);
    }
    ::close(descriptor);
    std::string_view digits(text.data(), size);
    if (digits.ends_with("\n")) {
        digits.remove_suffix(1);
    }
    if (digits.ends_with("\r")) {
        digits.remove_suffix(1);
    }
    std::array<unsigned char, stdlib::kKeyBytes> bytes{};
    bool valid = digits.size() == kHexDigits;
    for (std::size_t i = 0; valid && i < bytes.size(); ++i) {
        const int high = hex_value(digits[2 * i]);
        const int low = hex_value(digits[2 * i + 1]);
        valid = high >= 0 && low >= 0;
        bytes[i] = static_cast<unsigned char>(high * 16 + low);
    }
    OPENSSL_cleanse(text.data(), text.size());
    if (!valid) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
        return name + ": error: not a deid key (one line of " + std::to_string(kHexDigits) +
               " hexadecimal digits, as 'deid keygen' writes it)";
    }
    PseudonymKey key(bytes);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return key;
}

std::optional<std::string> write_new_key(const std::filesystem::path& file, bool& exists) {
    exists = false;
    std::array<unsigned char, stdlib::kKeyBytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return "the system's random number generator failed";
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string text;
    for (const unsigned char byte : bytes) {
        text += kHex[byte >> 4U];
        text += kHex[byte & 0x0FU];
    }
    text += '\n';
    OPENSSL_cleanse(bytes.data(), bytes.size());
    const auto temporary = temporary_beside(file);
    const std::string name = file.string();
    // 0600 whatever the umask: the file is created with it, and nobody else
    // ever sees it with more.
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        OPENSSL_cleanse(text.data(), text.size());
        return "cannot create " + temporary.string() + ": " + system_reason(errno);
    }
    int error = write_all(descriptor, text);
    OPENSSL_cleanse(text.data(), text.size());
    if (error == 0 && ::fsync(descriptor) != 0) {
        error = errno;
    }
    if (::close(descriptor) != 0 && error == 0) {
        error = errno;
    }
    if (error == 0 && ::link(temporary.c_str(), file.c_str()) != 0) {
        error = errno;
    }
    ::unlink(temporary.c_str());
    if (error == EEXIST) {
        exists = true;
        return name + " exists; deid never replaces a key (every pseudonym made with it would be lost)";
    }
    if (error != 0) {
        return "cannot write " + name + ": " + system_reason(error);
    }
    // The link is a directory entry: sync the folder so it survives a power cut.
    const auto folder = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    if (const int directory = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); directory >= 0) {
        ::fsync(directory);
        ::close(directory);
    }
    return std::nullopt;
}

std::optional<std::filesystem::path> default_key_path() {
    if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && *data == '/') {
        return std::filesystem::path(data) / "deid" / "key";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::filesystem::path(home) / ".local" / "share" / "deid" / "key";
    }
    return std::nullopt;
}

std::variant<LoadedKey, std::string> load_run_key(const std::optional<std::filesystem::path>& file) {
    if (file) {
        auto key = PseudonymKey::read(*file);
        if (auto* message = std::get_if<std::string>(&key)) {
            return std::move(*message);
        }
        return LoadedKey{std::get<PseudonymKey>(std::move(key)), *file, false};
    }
    const auto path = default_key_path();
    if (!path) {
        return std::string("deid: error: no key: neither XDG_DATA_HOME nor HOME is set; give --key-file FILE (make "
                           "one with 'deid keygen FILE')");
    }
    bool created = false;
    std::error_code error;
    if (!std::filesystem::exists(*path, error)) {
        // The folder holds only the key: its owner's alone.
        std::filesystem::path folder;
        for (const auto& part : path->parent_path()) {
            folder /= part;
            if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
                return "deid: error: cannot create " + folder.string() + " for the per-user key: " +
                       system_reason(errno) + "; give --key-file FILE (make one with 'deid keygen FILE')";
            }
        }
        bool exists = false;
        if (const auto problem = write_new_key(*path, exists); problem && !exists) {
            return "deid: error: " + *problem + "; give --key-file FILE (make one with 'deid keygen FILE')";
        }
        created = !exists;  // another run may have made it a moment ago: that one is read
    }
    auto key = PseudonymKey::read(*path);
    if (auto* message = std::get_if<std::string>(&key)) {
        return std::move(*message);
    }
    return LoadedKey{std::get<PseudonymKey>(std::move(key)), *path, created};
}

int run_keygen(const std::filesystem::path& file, std::ostream& out, std::ostream& err) {
    bool exists = false;
    if (const auto problem = write_new_key(file, exists)) {
        err << "deid keygen: error: " << *problem << '\n';
        return kExitRecipeError;
    }
    auto key = PseudonymKey::read(file);
    if (const auto* message = std::get_if<std::string>(&key)) {
        err << *message << '\n';
        return kExitRecipeError;
    }
    out << "deid keygen: wrote a new key to " << file.string() << " (fingerprint "
        << std::get<PseudonymKey>(key).fingerprint()
        << "). Keep it secret and keep a copy: whoever has it can compute every pseudonym from the originals, "
           "and without it no batch can be given the same pseudonyms again.\n";
    return 0;
}

}  // namespace deid
