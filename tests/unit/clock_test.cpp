// clock_test.cpp - elapsed time and RFC 3339 timestamps (core/clock.hpp).
#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

using std::chrono::microseconds;
using std::chrono::steady_clock;

TEST(Clock, ElapsedIsMillisecondsWithFractions) {
  const auto start = steady_clock::time_point{} + std::chrono::seconds(7);
  EXPECT_DOUBLE_EQ(elapsed_ms(start, start), 0.0);
  EXPECT_DOUBLE_EQ(elapsed_ms(start, start + microseconds(1500)), 1.5);
  EXPECT_DOUBLE_EQ(elapsed_ms(start, start + std::chrono::seconds(2)), 2000.0);
  EXPECT_GE(elapsed_ms(steady_clock::now()), 0.0);
}

TEST(Clock, Rfc3339IsUtcWithWholeSeconds) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(951782400), "2000-02-29T00:00:00Z");  // a leap day
  EXPECT_EQ(rfc3339(1735689599), "2024-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(253402300799), "9999-12-31T23:59:59Z");  // the last a certificate can say
  // RFC 3339 §5.6: date-fullyear is four digits.
  EXPECT_EQ(rfc3339(-62135596800), "0001-01-01T00:00:00Z");
}

TEST(Clock, Rfc3339NowHasTheShape) {
  const std::string now = rfc3339_now();
  ASSERT_EQ(now.size(), 20u) << now;
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_GE(now, std::string("2024"));
}

TEST(Clock, Rfc3339MillisForLogs) {
  const auto t = std::chrono::system_clock::from_time_t(1764768890) + std::chrono::milliseconds(7);
  EXPECT_EQ(rfc3339_millis(t), "2025-12-03T13:34:50.007Z");
}

}  // namespace
}  // namespace mc
