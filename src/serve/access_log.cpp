// access_log.cpp - see access_log.hpp.
#include "serve/access_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <string>

#include "serve/response.hpp"

namespace mc::serve {
namespace {

std::string utc_now() {
  std::timespec ts{};
  std::timespec_get(&ts, TIME_UTC);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, ts.tv_nsec / 1000000);
}

}  // namespace

void AccessLog::record(const Entry& e) const {
  if (!out_) return;
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - e.began).count();
  nlohmann::json j{{"time", utc_now()},
                   {"client", e.client},
                   {"method", e.method},
                   {"target", e.target.substr(0, 512)},
                   {"status", e.status},
                   {"bytes", e.bytes},
                   {"ms", std::round(ms * 100) / 100},
                   {"cache", e.cache}};
  const std::string line = json_text(j) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace mc::serve
