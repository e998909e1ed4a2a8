#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/ast/source_span.hpp"

namespace deid::ctp {

// A CTP file's text with its line starts: byte offsets become the 1-based
// lines and byte columns every diagnostic and span carries.
class SourceText {
public:
    SourceText(std::string file, std::string text) : file_(std::move(file)), text_(std::move(text)) {
        line_starts_.push_back(0);
        for (std::size_t i = 0; i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                line_starts_.push_back(i + 1);
            }
        }
    }

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] const std::string& text() const { return text_; }

    // The span of bytes [begin, end); one that runs past its line ends there.
    [[nodiscard]] SourceSpan span(std::size_t begin, std::size_t end) const {
        begin = std::min(begin, text_.size());
        const auto line = static_cast<std::size_t>(std::upper_bound(line_starts_.begin(), line_starts_.end(), begin) -
                                                   line_starts_.begin());
        const std::size_t line_start = line_starts_[line - 1];
        const std::size_t line_end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
        end = std::clamp(end, begin, line_end);
        return {file_, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(begin - line_start + 1),
                static_cast<std::uint32_t>(end - line_start + 1)};
    }

    // The text of line `line` (1-based), without its line break.
    [[nodiscard]] std::string_view line(std::uint32_t line) const {
        if (line == 0 || line > line_starts_.size()) {
            return {};
        }
        const std::size_t start = line_starts_[line - 1];
        const std::size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
        std::string_view text = std::string_view(text_).substr(start, end - start);
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
        }
        return text;
    }

private:
    std::string file_;
    std::string text_;
    std::vector<std::size_t> line_starts_;
};

}  // namespace deid::ctp
