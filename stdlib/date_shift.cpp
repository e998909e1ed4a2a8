#include "stdlib/date_shift.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace deid::stdlib {
namespace {

std::optional<std::string> shift_one(std::string_view value, std::int64_t days) {
    if (value.empty()) {
        return std::string{};
    }
    if (value.size() < 8) {
        return std::nullopt;
    }
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    const char* begin = value.data();
    if (std::from_chars(begin, begin + 4, year).ptr != begin + 4 ||
        std::from_chars(begin + 4, begin + 6, month).ptr != begin + 6 ||
        std::from_chars(begin + 6, begin + 8, day).ptr != begin + 8) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day shifted{std::chrono::sys_days{date} + std::chrono::days{days}};
    if (!shifted.ok() || static_cast<int>(shifted.year()) < 0 || static_cast<int>(shifted.year()) > 9999) {
        return std::nullopt;
    }
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%04d%02u%02u", static_cast<int>(shifted.year()),
                  static_cast<unsigned>(shifted.month()), static_cast<unsigned>(shifted.day()));
    // A DT keeps everything after the date: time, fraction and UTC offset.
    return std::string(buffer.data()) + std::string(value.substr(8));
}

bool is_time_tail(std::string_view tail) {
    for (const char c : tail) {
        if (!((c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-')) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::string> shift_date_value(std::string_view value, std::string_view vr, std::int64_t days) {
    std::string shifted;
    while (true) {
        const auto separator = value.find('\\');
        std::string_view one = value.substr(0, separator);
        // Values may carry DICOM's space padding.
        while (!one.empty() && one.back() == ' ') {
            one.remove_suffix(1);
        }
        const bool date_only = vr == "DA" || (vr != "DT" && one.size() == 8);
        if (!one.empty() && ((date_only && one.size() != 8) || !is_time_tail(one.substr(std::min<std::size_t>(8, one.size()))))) {
            return std::nullopt;
        }
        auto result = shift_one(one, days);
        if (!result) {
            return std::nullopt;
        }
        shifted += *result;
        if (separator == std::string_view::npos) {
            return shifted;
        }
        shifted += '\\';
        value.remove_prefix(separator + 1);
    }
}

}  // namespace deid::stdlib
