// rate_limit.hpp - per-client token buckets (how often one client may start a fresh audit). PURE:
// the caller passes the time, so tests need no clock.
//
// Each client has a bucket of `burst` tokens that refills at `per_minute` tokens a minute; an
// action spends one. When the bucket is empty, take() says how long until a token is back (the
// Retry-After a 429 carries). Buckets of clients idle long enough to be full again are dropped,
// so the table is bounded by the clients active in the last refill period.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

namespace mc::serve {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double per_minute, double burst);

  // take - spend one token of client's bucket: nullopt when allowed, else the whole seconds
  // (at least 1) until a token is available.
  std::optional<std::chrono::seconds> take(const std::string& client, Clock::time_point now);
  // peek - what take() would answer now, spending nothing.
  std::optional<std::chrono::seconds> peek(const std::string& client, Clock::time_point now) const;
  std::size_t clients() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  void prune(Clock::time_point now);
  double refilled(const Bucket& b, Clock::time_point now) const;      // b's tokens at now
  std::optional<std::chrono::seconds> wait_for(double tokens) const;  // nullopt: one is there

  double per_second_;
  double burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_prune_{};
};

}  // namespace mc::serve
