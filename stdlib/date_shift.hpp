#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deid::stdlib {

// Shifts a DA (YYYYMMDD) or DT (YYYYMMDD[HH[MM[SS[.F{1,6}]]]][&ZZXX]) value by
// whole days on the proleptic Gregorian calendar, keeping the time, fraction
// and UTC offset of a DT exactly as written (spec §3.6). Multi-valued values
// ('\'-separated) are each shifted; empty values stay empty; DICOM's trailing
// space padding is dropped. Other VRs are tried as DA, then DT. nullopt when a
// value is no valid date (including a DT cut above the day, "2020" or
// "202001", which has no day to shift) or the result leaves years 0000-9999.
std::optional<std::string> shift_date_value(std::string_view value, std::string_view vr, std::int64_t days);

}  // namespace deid::stdlib
