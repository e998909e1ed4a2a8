#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace deid::stdlib {

// The values a file's elements had before the run's first action, for the
// built-ins that read them: `shift_date` after the basic profile's BLANK,
// the keyed pseudonyms, RSNA CTP's functions (which read the input as it
// came, any element of it). The evaluator records an element's value when
// an action first changes it; an element no action changed still has its
// value, read from the file when asked. Nothing is copied up front: that
// cost 45 % more time on small files.
class ValuesBeforeActions {
public:
    // An element's value now ('\'-joined) by path id; nullopt when absent.
    using Reader = std::function<std::optional<std::string>(const std::string& path)>;

    explicit ValuesBeforeActions(Reader read_now = {}) : read_now_(std::move(read_now)) {}

    // The value of the element at `path` before its first change (nullopt:
    // it did not exist, an action created it). Only the first record of a
    // path counts.
    void record(const std::string& path, std::optional<std::string> before) {
        recorded_.try_emplace(path, std::move(before));
    }

    // What was recorded for `path`, or nullptr when no action changed it.
    [[nodiscard]] const std::optional<std::string>* recorded(const std::string& path) const {
        const auto found = recorded_.find(path);
        return found == recorded_.end() ? nullptr : &found->second;
    }

    // The element's value before any action; nullopt when it did not exist.
    [[nodiscard]] std::optional<std::string> value(const std::string& path) const {
        if (const auto* before = recorded(path)) {
            return *before;
        }
        return read_now_ ? read_now_(path) : std::nullopt;
    }

private:
    std::unordered_map<std::string, std::optional<std::string>> recorded_;
    Reader read_now_;
};

}  // namespace deid::stdlib
