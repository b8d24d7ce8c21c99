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

}  // namespace
}  // namespace mc
