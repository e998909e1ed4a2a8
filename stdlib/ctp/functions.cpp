#include "stdlib/ctp/functions.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>

#include "stdlib/uids.hpp"

namespace deid::stdlib::ctp {
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

// Java's (int) cast of a long: the low 32 bits, two's complement.
std::int64_t as_java_int(std::int64_t value) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(value)));
}

struct CivilDate {
    std::int64_t year = 0;  // proleptic: 0 is 1 BC
    std::int64_t month = 1;
    std::int64_t day = 1;
};

// Days since 1970-01-01 on the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil).
std::int64_t gregorian_days(std::int64_t year, std::int64_t month, std::int64_t day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = floor_div(year, 400);
    const std::int64_t year_of_era = year - era * 400;
    const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

CivilDate gregorian_civil(std::int64_t days) {
    days += 719468;
    const std::int64_t era = floor_div(days, 146097);
    const std::int64_t day_of_era = days - era * 146097;
    const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t mp = (5 * day_of_year + 2) / 153;
    const std::int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// The same on the Julian calendar, through the Julian day number.
constexpr std::int64_t kJulianDayOfEpoch = 2440588;

std::int64_t julian_days(std::int64_t year, std::int64_t month, std::int64_t day) {
    const std::int64_t a = (14 - month) / 12;
    const std::int64_t y = year + 4800 - a;
    const std::int64_t m = month + 12 * a - 3;
    return day + (153 * m + 2) / 5 + 365 * y + floor_div(y, 4) - 32083 - kJulianDayOfEpoch;
}

CivilDate julian_civil(std::int64_t days) {
    const std::int64_t c = days + kJulianDayOfEpoch + 32082;
    const std::int64_t d = floor_div(4 * c + 3, 1461);
    const std::int64_t e = c - floor_div(1461 * d, 4);
    const std::int64_t m = (5 * e + 2) / 153;
    return {d - 4800 + m / 10, m + 3 - 12 * (m / 10), e - (153 * m + 2) / 5 + 1};
}

// java.util.GregorianCalendar switches from the Julian to the Gregorian
// calendar on 15 October 1582.
const std::int64_t kGregorianCutover = gregorian_days(1582, 10, 15);

// The day a lenient GregorianCalendar(year, month, day) stands for: months
// past December roll into the next years, days past the month's end into
// the next months.
std::int64_t calendar_day(std::int64_t year, std::int64_t month0, std::int64_t day_of_month) {
    year += floor_div(month0, 12);
    const std::int64_t month = floor_mod(month0, 12) + 1;
    if (year > 1582) {
        return gregorian_days(year, month, 1) + day_of_month - 1;
    }
    if (year == 1582) {
        const std::int64_t gregorian = gregorian_days(year, month, 1) + day_of_month - 1;
        if (gregorian >= kGregorianCutover) {
            return gregorian;
        }
    }
    return julian_days(year, month, 1) + day_of_month - 1;
}

CivilDate calendar_fields(std::int64_t days) {
    CivilDate date = days >= kGregorianCutover ? gregorian_civil(days) : julian_civil(days);
    if (date.year <= 0) {
        date.year = 1 - date.year;  // Calendar.YEAR counts the years of the era BC
    }
    return date;
}

std::string zero_padded(std::int64_t value, std::size_t digits) {
    std::string text = std::to_string(value);
    if (text.size() < digits && value >= 0) {
        text.insert(0, digits - text.size(), '0');
    }
    return text;
}

bool is_java_regex_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r'; }

// Float.parseFloat: blanks around, a sign, "NaN", "Infinity", or decimal
// digits with a fraction and an exponent, then an optional f/F/d/D.
std::optional<float> java_parse_float(std::string_view text) {
    text = java_trim(text);
    if (!text.empty() && (text.back() == 'f' || text.back() == 'F' || text.back() == 'd' || text.back() == 'D')) {
        text.remove_suffix(1);
    }
    std::string_view body = text;
    bool negative = false;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (body == "NaN") {
        return std::numeric_limits<float>::quiet_NaN();
    }
    if (body == "Infinity") {
        return negative ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    }
    std::size_t i = 0;
    std::size_t digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
        ++i;
        ++digits;
    }
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i;
            ++digits;
        }
    }
    if (digits == 0) {
        return std::nullopt;
    }
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) {
            ++i;
        }
        const std::size_t exponent_start = i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            ++i;
        }
        if (i == exponent_start) {
            return std::nullopt;
        }
    }
    if (i != body.size()) {
        return std::nullopt;
    }
    const std::string number(text.substr(0, text.size()));
    return std::strtof(number.c_str(), nullptr);
}

// Java's (int) cast of a float.
std::int64_t float_to_java_int(float value) {
    if (std::isnan(value)) {
        return 0;
    }
    if (value >= 2147483647.0F) {
        return std::numeric_limits<std::int32_t>::max();
    }
    if (value <= -2147483648.0F) {
        return std::numeric_limits<std::int32_t>::min();
    }
    return static_cast<std::int64_t>(value);
}

// A date as DateUtil.getCalendar reads it: the day it falls on (the time
// after it may roll it over) and the time of day in milliseconds.
struct CalendarValue {
    std::int64_t day = 0;
    std::int64_t millis_of_day = 0;
};

std::optional<CalendarValue> read_calendar(std::string_view value) {
    std::string date;
    for (const char c : value) {
        if (c != '@' && c != ':' && c != 'T' && c != '-' && !is_java_regex_blank(c)) {
            date += c;
        }
    }
    if (date.starts_with("00")) {
        date = "19" + date.substr(2);
    }
    if (const auto backslash = date.find('\\'); backslash != std::string::npos) {
        date.resize(backslash);
    }
    if (date.size() < 8) {
        return std::nullopt;
    }
    const auto year = java_parse_int(std::string_view(date).substr(0, 4));
    const auto month = java_parse_int(std::string_view(date).substr(4, 2));
    const auto day = java_parse_int(std::string_view(date).substr(6, 2));
    if (!year || !month || !day) {
        return std::nullopt;
    }
    std::int64_t hour = 0;
    std::int64_t minute = 0;
    std::int64_t second = 0;
    if (date.size() > 8) {
        std::string_view time = std::string_view(date).substr(8);
        if (const auto ampersand = time.find('&'); ampersand != std::string_view::npos) {
            time = time.substr(0, ampersand);
        }
        if (time.size() < 4) {
            return std::nullopt;
        }
        const auto h = java_parse_int(time.substr(0, 2));
        const auto m = java_parse_int(time.substr(2, 2));
        if (!h || !m) {
            return std::nullopt;
        }
        hour = *h;
        minute = *m;
        if (time.size() > 4) {
            const auto s = java_parse_float(time.substr(4));
            if (!s) {
                return std::nullopt;
            }
            second = float_to_java_int(*s);
        }
    }
    const std::int64_t time_of_day = ((hour * 60 + minute) * 60 + second) * 1000;
    CalendarValue calendar;
    calendar.day = calendar_day(*year, *month - 1, *day) + floor_div(time_of_day, kMillisPerDay);
    calendar.millis_of_day = floor_mod(time_of_day, kMillisPerDay);
    return calendar;
}

// The date written as the input was (with or without dashes), followed by
// whatever the input held after its date.
std::string write_like(std::string_view original, std::int64_t day) {
    const bool iso = original.find('-') != std::string_view::npos;
    const std::size_t date_length = iso ? 10 : 8;
    const CivilDate date = calendar_fields(day);
    const std::string separator = iso ? "-" : "";
    return zero_padded(date.year, 4) + separator + zero_padded(date.month, 2) + separator + zero_padded(date.day, 2) +
           std::string(original.size() > date_length ? original.substr(date_length) : std::string_view{});
}

std::string upper_ascii(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return text;
}

// The length in bytes of the UTF-8 sequence that starts with `lead`.
std::size_t utf8_length(unsigned char lead) {
    if (lead >= 0xF0) {
        return 4;
    }
    if (lead >= 0xE0) {
        return 3;
    }
    return lead >= 0xC0 ? 2 : 1;
}

}  // namespace

std::string_view java_trim(std::string_view text) {
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<std::int64_t> java_parse_long(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    bool negative = false;
    if (text.front() == '+' || text.front() == '-') {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    // Accumulated negatively, as Java does, so that the minimum fits.
    std::int64_t value = 0;
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const int digit = c - '0';
        if (value < lowest / 10 || value * 10 < lowest + digit) {
            return std::nullopt;
        }
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == lowest) {
            return std::nullopt;
        }
        value = -value;
    }
    return value;
}

std::optional<std::int32_t> java_parse_int(std::string_view text) {
    const auto value = java_parse_long(text);
    if (!value || *value < std::numeric_limits<std::int32_t>::min() || *value > std::numeric_limits<std::int32_t>::max() ||
        text.size() > 11) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(*value);
}

std::string md5_decimal(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_md5(), nullptr) != 1) {
        throw std::runtime_error("MD5 failed");
    }
    return to_decimal(std::string(reinterpret_cast<const char*>(digest.data()), length));
}

std::string hash(std::string_view text, std::int64_t max_length) {
    std::string result = md5_decimal(text);
    if (max_length >= 1 && static_cast<std::uint64_t>(max_length) < result.size()) {
        result.resize(static_cast<std::size_t>(max_length));
    }
    return result;
}

std::string hash_uid(std::string_view prefix, std::string_view uid) {
    std::string root(java_trim(prefix));
    if (!root.empty() && !root.ends_with('.')) {
        root += '.';
    }
    const std::string digest = md5_decimal(uid);
    std::string result = root + (digest.starts_with('0') ? "9" : "") + digest;
    if (result.size() > 64) {
        result.resize(64);
    }
    return result;
}

std::string hash_name(std::string_view name, std::int64_t length, std::int64_t word_count) {
    if (word_count <= 0) {
        word_count = std::numeric_limits<std::int64_t>::max();
    }
    std::string joined;
    std::int64_t words = 0;
    std::string_view rest = name;
    while (words < word_count) {
        const auto caret = rest.find('^');
        joined += rest.substr(0, caret);
        ++words;
        if (caret == std::string_view::npos) {
            break;
        }
        rest = rest.substr(caret + 1);
    }
    std::string kept;
    for (const char c : joined) {
        if (!is_java_regex_blank(c) && c != ',' && c != '\'' && c != '^' && c != '.') {
            kept += c;
        }
    }
    return hash(upper_ascii(std::move(kept)), length);
}

std::string hash_patient_id(std::string_view site, std::string_view patient_id, std::int64_t max_length) {
    return hash("[" + std::string(java_trim(site)) + "]" + std::string(java_trim(patient_id)), max_length);
}

std::optional<std::string> increment_date(std::string_view date, std::int64_t days) {
    const auto calendar = read_calendar(date);
    if (!calendar) {
        return std::nullopt;
    }
    return write_like(date, calendar->day + as_java_int(days));
}

std::optional<std::string> modify_date(std::string_view date, std::int64_t year, std::int64_t month, std::int64_t day) {
    const auto calendar = read_calendar(date);
    if (!calendar) {
        return std::nullopt;
    }
    // The fields of the lenient calendar as read (CivilDate of Calendar.get).
    const std::int64_t day_number = calendar->day;
    CivilDate fields = day_number >= kGregorianCutover ? gregorian_civil(day_number) : julian_civil(day_number);
    const std::int64_t new_year = year < 0 ? calendar_fields(day_number).year : year;
    const std::int64_t new_month0 = month < 0 ? fields.month - 1 : month - 1;
    const std::int64_t new_day = day < 0 ? fields.day : day;
    return write_like(date, calendar_day(new_year, new_month0, new_day));
}

std::int64_t hashed_date_increment(std::string_view text) {
    std::string digits = md5_decimal(text);
    if (digits.size() > 4) {
        digits = digits.substr(digits.size() - 4);
    }
    std::int64_t increment = -(std::stoll(digits) % (10 * 365));
    return increment == 0 ? -1 : increment;
}

std::string initials(std::string_view name) {
    std::string words;
    bool pending_blank = false;
    for (char c : name) {
        if (c == '^' || c == ',') {
            c = ' ';
        }
        if (is_java_regex_blank(c)) {
            pending_blank = true;
            continue;
        }
        if (pending_blank && !words.empty()) {
            words += ' ';
        }
        pending_blank = false;
        words += c;
    }
    const std::string_view trimmed = java_trim(words);
    if (trimmed.empty()) {
        return "X";
    }
    std::vector<std::string> letters;
    std::size_t at = 0;
    while (true) {
        const std::size_t length = std::min(utf8_length(static_cast<unsigned char>(trimmed[at])), trimmed.size() - at);
        letters.emplace_back(trimmed.substr(at, length));
        const auto blank = trimmed.find(' ', at);
        if (blank == std::string_view::npos) {
            break;
        }
        at = blank + 1;
    }
    std::string result;
    for (std::size_t i = 1; i < letters.size(); ++i) {
        result += letters[i];
    }
    result += letters.front();
    return upper_ascii(std::move(result));
}

std::string caesar(std::string_view text, std::int64_t offset) {
    std::string out(text);
    auto rotate = [offset](char c, char first, std::int64_t size) {
        return static_cast<char>(first + floor_mod((c - first) + floor_mod(offset, size), size));
    };
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = rotate(c, 'a', 26);
        } else if (c >= 'A' && c <= 'Z') {
            c = rotate(c, 'A', 26);
        } else if (c >= '0' && c <= '9') {
            c = rotate(c, '0', 10);
        }
    }
    return out;
}

std::optional<std::string> round_age(std::string_view age, std::int64_t width) {
    age = java_trim(age);
    if (age.empty()) {
        return std::string();
    }
    std::string digits;
    std::string letters;
    for (const char c : age) {
        (c >= '0' && c <= '9' ? digits : letters) += c;
    }
    const auto parsed = java_parse_float(digits);
    if (!parsed || digits.empty()) {
        return std::nullopt;
    }
    const float bins = *parsed / static_cast<float>(as_java_int(width));
    // Math.round(float): the closest int, halves up.
    std::int64_t rounded = 0;
    if (std::isnan(bins)) {
        rounded = 0;
    } else {
        const double floor = std::floor(static_cast<double>(bins) + 0.5);
        rounded = floor >= 2147483647.0   ? std::numeric_limits<std::int32_t>::max()
                  : floor <= -2147483648.0 ? std::numeric_limits<std::int32_t>::min()
                                           : static_cast<std::int64_t>(floor);
    }
    const std::int64_t binned = as_java_int(rounded * as_java_int(width));
    std::string result = std::to_string(binned) + letters;
    if (result.size() % 2 == 1) {
        result.insert(0, "0");
    }
    return result;
}

}  // namespace deid::stdlib::ctp
