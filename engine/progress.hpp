#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace deid {

enum class ProgressStyle {
    none,   // --quiet
    lines,  // a plain line every few seconds (logs, pipes)
    bar,    // a bar redrawn in place (a terminal)
};

// How far a batch is: files done of the total, files/s and the time left.
// Every file's messages go through it, so that they never land in the
// middle of the bar. Not thread-safe: the batch calls it under its lock.
class Progress {
public:
    Progress(std::ostream& err, ProgressStyle style, std::string command, std::size_t total);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress();

    // One more file is done; `messages` (whole lines) are printed first.
    void file_done(std::string_view messages);
    // Messages that belong to no file, such as the summary; removes the bar first.
    void print(std::string_view text);
    // Removes the bar, so that what the command writes to standard output
    // next (on the same terminal) starts on a clean line.
    void make_room() { clear_bar(); }

private:
    using Clock = std::chrono::steady_clock;
    [[nodiscard]] std::string status() const;
    void clear_bar();

    std::ostream& err_;
    ProgressStyle style_;
    std::string command_;
    std::size_t total_;
    std::size_t done_ = 0;
    Clock::time_point started_ = Clock::now();
    Clock::time_point last_shown_ = started_;
    bool bar_shown_ = false;
};

}  // namespace deid
