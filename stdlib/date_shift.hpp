#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deid::stdlib {

// Shifts a DA (YYYYMMDD) or DT (YYYYMMDD[HHMMSS[.F{1,6}]][&ZZXX]) value by
// whole days, keeping the time and offset of a DT (spec §3.6). Multi-valued
// values ('\'-separated) are each shifted; empty values stay empty. Other VRs
// are tried as DA, then DT. nullopt when a value is no valid date.
std::optional<std::string> shift_date_value(std::string_view value, std::string_view vr, std::int64_t days);

}  // namespace deid::stdlib
