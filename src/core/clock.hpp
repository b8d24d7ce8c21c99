// clock.hpp - elapsed time and RFC 3339 timestamps, written one way everywhere.
//
// elapsed_ms(start[, end]): the steady-clock time from start to end (or to now) in milliseconds,
//   with fractions; what reports and probes record as elapsed_ms.
// rfc3339(t): t as an RFC 3339 §5.6 date-time in UTC with whole seconds ("2025-01-31T09:05:00Z"),
//   or "" when the platform cannot break t down into a calendar date.
// rfc3339_now(): rfc3339 of the system clock's current time.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace mc {

inline double elapsed_ms(std::chrono::steady_clock::time_point start,
                         std::chrono::steady_clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}
// Not a default argument: that could be evaluated before start is.
inline double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return elapsed_ms(start, std::chrono::steady_clock::now());
}

std::string rfc3339(std::time_t t);
std::string rfc3339_now();
// rfc3339_millis - with milliseconds ("2026-12-03T13:34:50.123Z"), for logs.
std::string rfc3339_millis(std::chrono::system_clock::time_point t);

}  // namespace mc
