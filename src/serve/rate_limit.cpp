// rate_limit.cpp - see rate_limit.hpp.
#include "serve/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace mc::serve {

RateLimiter::RateLimiter(double per_minute, double burst)
    : per_second_(std::max(per_minute, 0.0) / 60.0), burst_(std::max(burst, 1.0)) {}

std::optional<std::chrono::seconds> RateLimiter::take(const std::string& client,
                                                      Clock::time_point now) {
  prune(now);
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) b.tokens = refilled(b, now);
  b.last = std::max(b.last, now);
  auto wait = wait_for(b.tokens);
  if (!wait) b.tokens -= 1.0;
  return wait;
}

std::optional<std::chrono::seconds> RateLimiter::peek(const std::string& client,
                                                      Clock::time_point now) const {
  auto it = buckets_.find(client);
  return wait_for(it == buckets_.end() ? burst_ : refilled(it->second, now));
}

double RateLimiter::refilled(const Bucket& b, Clock::time_point now) const {
  if (now <= b.last) return b.tokens;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  return std::min(burst_, b.tokens + elapsed * per_second_);
}

std::optional<std::chrono::seconds> RateLimiter::wait_for(double tokens) const {
  if (tokens >= 1.0) return std::nullopt;
  if (per_second_ <= 0) return std::chrono::seconds(3600);  // no refill: try much later
  const double wait = (1.0 - tokens) / per_second_;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
}

void RateLimiter::prune(Clock::time_point now) {
  // At most once a minute: drop buckets that have refilled completely since their last use.
  // With no refill a bucket never becomes full again: nothing can be dropped.
  if (per_second_ <= 0 || now - last_prune_ < std::chrono::minutes(1)) return;
  last_prune_ = now;
  const double full_after = burst_ / per_second_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (std::chrono::duration<double>(now - it->second.last).count() >= full_after) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace mc::serve
