// deadline.hpp - when one step of a network client must end: after its own length, and never
// after the overall deadline of the work it is part of (an audit's). Shared by the SMTP probe and
// the HTTPS fetch.
#pragma once

#include <chrono>

namespace mc::net {

inline std::chrono::steady_clock::time_point step_end(std::chrono::steady_clock::time_point overall,
                                                      std::chrono::milliseconds step) {
  const auto now = std::chrono::steady_clock::now();
  return overall - now < step ? overall : now + step;
}

}  // namespace mc::net
