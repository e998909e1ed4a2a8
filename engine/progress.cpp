#include "engine/progress.hpp"

#include <cmath>

namespace deid {
namespace {

constexpr auto kBarInterval = std::chrono::milliseconds(200);
constexpr auto kLineInterval = std::chrono::seconds(5);
constexpr std::size_t kBarWidth = 30;

std::string duration_text(double seconds) {
    const auto whole = static_cast<long long>(std::llround(seconds));
    const long long hours = whole / 3600;
    const long long minutes = whole / 60 % 60;
    const long long rest = whole % 60;
    std::string text = hours > 0 ? std::to_string(hours) + ":" : "";
    text += (hours > 0 && minutes < 10 ? "0" : "") + std::to_string(minutes) + ":";
    text += (rest < 10 ? "0" : "") + std::to_string(rest);
    return text;
}

}  // namespace

Progress::Progress(std::ostream& err, ProgressStyle style, std::string command, std::size_t total)
    : err_(err), style_(style), command_(std::move(command)), total_(total) {}

Progress::~Progress() { clear_bar(); }

std::string Progress::status() const {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
    std::string text = std::to_string(done_) + "/" + std::to_string(total_) + " files, " +
                       std::to_string(static_cast<long long>(rate)) + " files/s";
    if (rate > 0 && done_ < total_) {
        text += ", ETA " + duration_text(static_cast<double>(total_ - done_) / rate);
    }
    return text;
}

void Progress::clear_bar() {
    if (bar_shown_) {
        err_ << "\r\x1b[K" << std::flush;
        bar_shown_ = false;
    }
}

void Progress::file_done(std::string_view messages) {
    ++done_;
    if (!messages.empty()) {
        clear_bar();
        err_ << messages;
    }
    const auto now = Clock::now();
    switch (style_) {
        case ProgressStyle::none: break;
        case ProgressStyle::lines:
            if (now - last_shown_ >= kLineInterval) {
                last_shown_ = now;
                err_ << command_ << ": " << status() << '\n';
            }
            break;
        case ProgressStyle::bar:
            if (!bar_shown_ || now - last_shown_ >= kBarInterval || done_ == total_) {
                last_shown_ = now;
                const std::size_t filled = total_ == 0 ? kBarWidth : done_ * kBarWidth / total_;
                err_ << "\r\x1b[K" << command_ << " [" << std::string(filled, '#') << std::string(kBarWidth - filled, '.')
                     << "] " << status() << std::flush;
                bar_shown_ = true;
            }
            break;
    }
}

void Progress::print(std::string_view text) {
    clear_bar();
    err_ << text;
}

}  // namespace deid
