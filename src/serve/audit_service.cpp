// audit_service.cpp - see audit_service.hpp.
#include "serve/audit_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace mc::serve {

Job::Job(asio::any_io_executor executor, std::string d)
    : domain(std::move(d)), changed_(std::move(executor)) {
  changed_.expires_at(std::chrono::steady_clock::time_point::max());
}

asio::awaitable<void> Job::wait_change() {
  (void)co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Job::notify() {
  // Cancelling wakes every waiter; the timer stays armed at "never" for the next ones.
  changed_.cancel();
}

std::string_view to_string(AuditService::Outcome o) {
  switch (o) {
    case AuditService::Outcome::kCached:
      return "hit";
    case AuditService::Outcome::kJoined:
      return "joined";
    case AuditService::Outcome::kStarted:
      return "miss";
    case AuditService::Outcome::kBusy:
      return "busy";
    case AuditService::Outcome::kRateLimited:
      return "rate_limited";
    case AuditService::Outcome::kStopping:
      return "stopping";
  }
  return "?";
}

AuditService::AuditService(asio::any_io_executor executor, ServiceConfig config)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      limiter_(config_.audits_per_minute, config_.audit_burst) {}

AuditService::Lookup AuditService::get(const DomainName& domain, const std::string& client) {
  const auto now = std::chrono::steady_clock::now();
  const std::string& key = domain.str();
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (now - it->second->finished < config_.cache_ttl) return {Outcome::kCached, it->second, {}};
    cache_.erase(it);  // expired: its place in cache_order_ is skipped when reached
  }
  if (auto it = running_jobs_.find(key); it != running_jobs_.end()) {
    return {Outcome::kJoined, it->second, {}};
  }
  if (stopping_) return {Outcome::kStopping, nullptr, std::chrono::seconds(30)};
  if (running_ >= config_.max_running) return {Outcome::kBusy, nullptr, std::chrono::seconds(5)};
  if (auto wait = limiter_.take(client, now)) return {Outcome::kRateLimited, nullptr, *wait};
  auto job = std::make_shared<Job>(executor_, key);
  running_jobs_[key] = job;
  ++running_;
  ++started_;
  asio::co_spawn(executor_, run(job), asio::detached);
  return {Outcome::kStarted, job, {}};
}

asio::awaitable<void> AuditService::run(std::shared_ptr<Job> job) {
  audit::AuditOptions options = config_.base;
  options.domain = *DomainName::parse(job->domain);
  Result<Report> result = make_error(ErrorKind::kInternal, "the audit did not run");
  // Named, not a temporary inside the co_await expression (GCC 12 destroys such temporaries
  // wrongly).
  audit::AreaCallback on_area = [job](const AreaReport& a) {
    job->areas.push_back(a);
    job->notify();
  };
  try {
    result = co_await audit::audit_domain(options, on_area);
  } catch (const std::exception& e) {
    result = make_error(ErrorKind::kInternal, std::string("internal error: ") + e.what());
  }
  if (result) {
    job->report = std::move(*result);
  } else {
    job->error = result.error().message;
  }
  job->done = true;
  job->finished = std::chrono::steady_clock::now();
  running_jobs_.erase(job->domain);
  --running_;
  if (job->report) remember(job);  // a failure to run is not a result worth keeping
  job->notify();
}

void AuditService::remember(const std::shared_ptr<Job>& job) {
  cache_[job->domain] = job;
  cache_order_.push_back(job->domain);
  const auto now = std::chrono::steady_clock::now();
  while (!cache_order_.empty() && (cache_.size() > config_.max_cached ||
                                   cache_order_.size() > 2 * config_.max_cached + 16)) {
    const std::string oldest = cache_order_.front();
    cache_order_.pop_front();
    auto it = cache_.find(oldest);
    // Only the newest entry of a domain counts; an older copy in the queue is skipped.
    if (it != cache_.end() &&
        (cache_.size() > config_.max_cached || now - it->second->finished >= config_.cache_ttl)) {
      cache_.erase(it);
    }
  }
}

}  // namespace mc::serve
