#pragma once

// The site's secret for keyed pseudonyms (README, "Keyed pseudonyms"): 32
// random bytes, kept in a file of 64 hexadecimal digits that only its owner
// may read (mode 0600). The key is never printed, logged or written
// anywhere else; messages name its file and its fingerprint only.

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "stdlib/pseudonyms.hpp"

namespace deid {

class PseudonymKey {
public:
    PseudonymKey(const PseudonymKey&) = default;
    PseudonymKey& operator=(const PseudonymKey&) = default;
    ~PseudonymKey();

    // Reads a key file; the message names the file and the cause (never
    // its contents): missing, readable by others, not 64 hex digits.
    static std::variant<PseudonymKey, std::string> read(const std::filesystem::path& file);

    // The raw key bytes, for HMAC.
    [[nodiscard]] std::string_view bytes() const {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }
    // 16 hex digits naming the key (stdlib::key_fingerprint).
    [[nodiscard]] const std::string& fingerprint() const { return fingerprint_; }

private:
    explicit PseudonymKey(const std::array<unsigned char, stdlib::kKeyBytes>& bytes);
    std::array<unsigned char, stdlib::kKeyBytes> bytes_{};
    std::string fingerprint_;
};

// Writes a new random key (RAND_bytes) to `file`, mode 0600, never replacing
// an existing file: the bytes are written and synced under a temporary name
// and then linked to `file`, so `file` never exists half written and two
// runs creating it at once agree on one key. An error message, or nothing.
// `exists` is set when `file` was already there (nothing written).
std::optional<std::string> write_new_key(const std::filesystem::path& file, bool& exists);

// Where the per-user key lives: $XDG_DATA_HOME/deid/key, else
// ~/.local/share/deid/key. nullopt when neither variable is set.
std::optional<std::filesystem::path> default_key_path();

// The key of a run: `file` when given; else the per-user key, created (with
// its folder, mode 0700) on first use. `created` tells the caller to say so.
struct LoadedKey {
    PseudonymKey key;
    std::filesystem::path file;
    bool created = false;
};
std::variant<LoadedKey, std::string> load_run_key(const std::optional<std::filesystem::path>& file);

// `deid keygen FILE`: a new key in FILE (refused when FILE exists). Prints
// the file and the fingerprint, never the key. 0, or 2 with a message.
int run_keygen(const std::filesystem::path& file, std::ostream& out, std::ostream& err);

}  // namespace deid
