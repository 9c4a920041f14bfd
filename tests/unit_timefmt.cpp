// Times in the files: milliseconds written and read, whole seconds (files written before
// milliseconds) still read, and git's whole seconds kept apart.
#include <catch2/catch.hpp>

#include "mreg/timefmt.h"

using namespace mreg;

namespace {

const TimestampMs kNov24 = 1795478400000;  // 2026-11-24T00:00:00Z

}  // namespace

TEST_CASE("a time with milliseconds is written with three digits of fraction", "[time]") {
  CHECK(format_rfc3339_ms(kNov24 + 123) == "2026-11-24T00:00:00.123Z");
  CHECK(format_rfc3339_ms(kNov24 + 5) == "2026-11-24T00:00:00.005Z");
  CHECK(format_rfc3339_ms(kNov24 + 36000 * 1000 + 990) == "2026-11-24T10:00:00.990Z");
  // A whole second is written as it was before milliseconds, so an old file keeps its bytes.
  CHECK(format_rfc3339_ms(kNov24 + 9000) == "2026-11-24T00:00:09Z");
  // Before 1970 the fraction still counts up from the whole second below.
  CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("times with or without milliseconds read to the millisecond", "[time]") {
  CHECK(parse_rfc3339_ms("2026-11-24T00:00:00Z") == kNov24);
  CHECK(parse_rfc3339_ms("2026-11-24T00:00:00.123Z") == kNov24 + 123);
  CHECK(parse_rfc3339_ms("2026-11-24T00:00:00.5Z") == kNov24 + 500);
  CHECK(parse_rfc3339_ms("2026-11-24T00:00:00.05Z") == kNov24 + 50);
  CHECK(parse_rfc3339_ms("2026-11-24T00:00:00.123999Z") == kNov24 + 123);  // past the third digit: dropped
  CHECK(parse_rfc3339_ms("2026-11-24T01:00:00.250+01:00") == kNov24 + 250);
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24T00:00:00.Z"));
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24T00:00:00.12a"));
  for (TimestampMs t : {kNov24, kNov24 + 1, kNov24 + 999, kNov24 + 86399999, TimestampMs{0}, TimestampMs{-1001}})
    CHECK(parse_rfc3339_ms(format_rfc3339_ms(t)) == t);
}

TEST_CASE("whole-second readers round milliseconds down", "[time]") {
  CHECK(parse_rfc3339("2026-11-24T00:00:09.999Z") == kNov24 / 1000 + 9);
  CHECK(seconds_of(kNov24 + 999) == kNov24 / 1000);
  CHECK(seconds_of(-1) == -1);
  CHECK(seconds_of(-1000) == -1);
  CHECK(seconds_of(-1001) == -2);
  CHECK(ms_of(seconds_of(kNov24 + 999)) == kNov24);
}

TEST_CASE("dates users and git's environment give keep their milliseconds", "[time]") {
  int offset = 99;
  CHECK(parse_date_ms("2026-11-24T00:00:00.042Z", &offset) == kNov24 + 42);
  CHECK(offset == 0);
  CHECK(parse_date_ms("2026-11-24 02:00:00.7 +0200", &offset) == kNov24 + 700);
  CHECK(offset == 120);
  CHECK(parse_date_ms("@1795478400 +0000") == kNov24);
  CHECK(parse_date_ms("2026-11-24") == kNov24);
  CHECK(parse_date("2026-11-24T00:00:00.042Z") == kNov24 / 1000);
  CHECK_FALSE(parse_date_ms("yesterday"));
}
