// Timestamps: RFC 3339 in the files, and the date forms users type.
#pragma once

#include <optional>
#include <string>

#include "mreg/types.h"

namespace mreg {

// 2026-11-24T09:30:00Z
std::string format_rfc3339(Timestamp t);
// 2026-11-24T09:30:00.123Z; a whole second is written without a fraction (2026-11-24T09:30:00Z),
// so that a file written before milliseconds keeps its bytes when it is written again.
std::string format_rfc3339_ms(TimestampMs t);
// RFC 3339 with 'Z' or an offset, fractional seconds ignored.
std::optional<Timestamp> parse_rfc3339(const std::string& s);
// The same, keeping the milliseconds of a fraction (digits past the third are dropped).
std::optional<TimestampMs> parse_rfc3339_ms(const std::string& s);
// What a user or git's environment gives: RFC 3339, "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS] [+hhmm]",
// "@<epoch> [+hhmm]" and "<epoch> +hhmm" (git's internal form). Without a zone: UTC.
// Sets *offset_minutes to the zone given, when asked.
std::optional<Timestamp> parse_date(const std::string& s, int* offset_minutes = nullptr);
// The same in milliseconds, keeping a fraction of a second.
std::optional<TimestampMs> parse_date_ms(const std::string& s, int* offset_minutes = nullptr);

// Whole seconds of a time in milliseconds (rounded down, also before 1970), and back.
constexpr Timestamp seconds_of(TimestampMs t) { return t / 1000 - (t % 1000 < 0 ? 1 : 0); }
constexpr TimestampMs ms_of(Timestamp t) { return t * 1000; }

Timestamp now_seconds();
TimestampMs now_ms();

}  // namespace mreg
