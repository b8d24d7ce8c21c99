// access_log.cpp - see access_log.hpp.
#include "serve/access_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/clock.hpp"
#include "serve/response.hpp"

namespace mc::serve {

void AccessLog::record(const Entry& e) const {
  if (!out_) return;
  const double ms = elapsed_ms(e.began);
  nlohmann::json j{{"time", rfc3339_millis(std::chrono::system_clock::now())},
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
