#include "stdlib/date_shift.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace deid::stdlib {
namespace {

// Years 0000-9999 span fewer days than this; a larger shift can only leave
// the range (and would overflow the day arithmetic near the int64 limits).
constexpr std::int64_t max_shift_days = 4'000'000;

bool all_digits(std::string_view text) {
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// The value of a run of digits already known to be digits.
unsigned number(std::string_view digits) {
    unsigned value = 0;
    for (const char c : digits) {
        value = value * 10U + static_cast<unsigned>(c - '0');
    }
    return value;
}

// What may follow the date of a DT: [HH[MM[SS[.F{1,6}]]]][&ZZXX] with & one
// of '+' and '-' (PS3.5 table 6.2-1).
bool is_datetime_tail(std::string_view tail) {
    const auto sign = tail.find_first_of("+-");
    std::string_view time = tail.substr(0, sign);
    if (sign != std::string_view::npos) {
        const std::string_view offset = tail.substr(sign + 1);
        if (offset.size() != 4 || !all_digits(offset) || number(offset.substr(0, 2)) > 14 ||
            number(offset.substr(2, 2)) > 59) {
            return false;
        }
    }
    const auto dot = time.find('.');
    if (dot != std::string_view::npos) {
        const std::string_view fraction = time.substr(dot + 1);
        if (dot != 6 || fraction.empty() || fraction.size() > 6 || !all_digits(fraction)) {
            return false;
        }
        time = time.substr(0, dot);
    }
    if (time.size() % 2 != 0 || time.size() > 6 || !all_digits(time)) {
        return false;
    }
    static constexpr std::array<unsigned, 3> limits{23, 59, 60};  // hours, minutes, seconds (leap second)
    for (std::size_t i = 0; i < time.size(); i += 2) {
        if (number(time.substr(i, 2)) > limits[i / 2]) {
            return false;
        }
    }
    return true;
}

// One DA value (YYYYMMDD) or DT value (YYYYMMDD then a DT tail, kept as it is).
std::optional<std::string> shift_one(std::string_view value, bool as_datetime, std::int64_t days) {
    if (value.size() < 8 || !all_digits(value.substr(0, 8))) {
        return std::nullopt;
    }
    const std::string_view tail = value.substr(8);
    if (as_datetime ? !is_datetime_tail(tail) : !tail.empty()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(number(value.substr(0, 4)))},
                                           std::chrono::month{number(value.substr(4, 2))},
                                           std::chrono::day{number(value.substr(6, 2))}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day shifted{std::chrono::sys_days{date} + std::chrono::days{days}};
    const int year = static_cast<int>(shifted.year());
    if (!shifted.ok() || year < 0 || year > 9999) {
        return std::nullopt;
    }
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%04d%02u%02u", year, static_cast<unsigned>(shifted.month()),
                  static_cast<unsigned>(shifted.day()));
    // A DT keeps everything after the date: time, fraction and UTC offset.
    return std::string(buffer.data()) + std::string(tail);
}

}  // namespace

std::optional<std::string> shift_date_value(std::string_view value, std::string_view vr, std::int64_t days) {
    if (days > max_shift_days || days < -max_shift_days) {
        return std::nullopt;
    }
    std::string shifted;
    while (true) {
        const auto separator = value.find('\\');
        std::string_view one = value.substr(0, separator);
        // Values may carry DICOM's space padding.
        while (!one.empty() && one.back() == ' ') {
            one.remove_suffix(1);
        }
        std::optional<std::string> result;
        if (one.empty()) {
            result = std::string{};
        } else if (vr == "DA") {
            result = shift_one(one, false, days);
        } else if (vr == "DT") {
            result = shift_one(one, true, days);
        } else {
            // Of unknown form: a date, else a datetime.
            result = shift_one(one, false, days);
            if (!result) {
                result = shift_one(one, true, days);
            }
        }
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
