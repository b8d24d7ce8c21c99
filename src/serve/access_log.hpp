// access_log.hpp - the access log of `mailcheck serve`: one JSON object a line, a line per request
// (docs/serve.md "Shutdown and logs"), flushed at once so a crash loses nothing.
//
// Exports: AccessLog, whose record() writes one line: time (UTC, ms), client, method, target (cut
// at 512 characters), status, bytes (of the body), ms (since the request was read), cache (hit,
// miss, joined, busy, rate_limited, stopping, or "-": no audit involved). Text that is not UTF-8
// is replaced, never passed on.
// Ownership: the FILE is the caller's and must outlive the log; nullptr means no log.
#pragma once

#include <chrono>
#include <cstdio>
#include <string_view>

namespace mc::serve {

class AccessLog {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AccessLog(std::FILE* out) : out_(out) {}

  struct Entry {
    std::string_view client;
    std::string_view method;
    std::string_view target;
    int status = 0;
    std::size_t bytes = 0;
    Clock::time_point began;
    std::string_view cache = "-";
  };
  void record(const Entry& e) const;

 private:
  std::FILE* out_;
};

}  // namespace mc::serve
