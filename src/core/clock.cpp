// clock.cpp - see clock.hpp.
#include "core/clock.hpp"

#include <fmt/chrono.h>

namespace mc {

std::string rfc3339(std::time_t t) {
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return {};
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

std::string rfc3339_now() { return rfc3339(std::time(nullptr)); }

std::string rfc3339_millis(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return {};
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()) % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, (ms.count() + 1000) % 1000);
}

}  // namespace mc
