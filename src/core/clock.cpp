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

}  // namespace mc
