// clock.hpp - elapsed time, measured one way everywhere.
//
// elapsed_ms(start[, end]): the steady-clock time from start to end (or to now) in milliseconds,
//   with fractions; what reports and probes record as elapsed_ms.
#pragma once

#include <chrono>

namespace mc {

inline double elapsed_ms(std::chrono::steady_clock::time_point start,
                         std::chrono::steady_clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}
// Not a default argument: that could be evaluated before start is.
inline double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return elapsed_ms(start, std::chrono::steady_clock::now());
}

}  // namespace mc
