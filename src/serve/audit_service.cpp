// audit_service.cpp - see audit_service.hpp.
#include "serve/audit_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "report/render.hpp"

namespace asio = boost::asio;

namespace mc::serve {

Job::Job(asio::any_io_executor executor, std::string d)
    : domain(std::move(d)), changed_(std::move(executor)) {
  changed_.expires_at(std::chrono::steady_clock::time_point::max());
}

asio::awaitable<void> Job::wait_change() {
  (void)co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
}

const AreaReport& Job::area_at(std::size_t i) const {
  if (report) return *report->area(decided[i]);
  return areas[i];
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

AuditService::Lookup AuditService::peek(const DomainName& domain, const std::string& client) {
  const std::string& key = domain.str();
  sweep();
  if (auto it = cache_.find(key); it != cache_.end()) return {Outcome::kCached, it->second, {}};
  if (auto it = running_jobs_.find(key); it != running_jobs_.end()) {
    return {Outcome::kJoined, it->second, {}};
  }
  if (stopping_) return {Outcome::kStopping, nullptr, kStoppingRetryAfter};
  if (running_ >= config_.max_running) return {Outcome::kBusy, nullptr, std::chrono::seconds(5)};
  if (auto wait = limiter_.peek(client, std::chrono::steady_clock::now())) {
    return {Outcome::kRateLimited, nullptr, *wait};
  }
  return {Outcome::kStarted, nullptr, {}};
}

AuditService::Lookup AuditService::get(const DomainName& domain, const std::string& client) {
  Lookup found = peek(domain, client);
  if (found.outcome != Outcome::kStarted) return found;
  // peek() saw a token; one event loop, so it is still there.
  (void)limiter_.take(client, std::chrono::steady_clock::now());
  const std::string& key = domain.str();
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
    job->decided.push_back(a.area);
    job->areas.push_back(a);
    job->notify();
  };
  try {
    result = co_await audit::audit_domain(options, on_area);
  } catch (const std::exception& e) {
    result = make_error(ErrorKind::kInternal, std::string("internal error: ") + e.what());
  }
  if (job->cancelled) {
    // Its readers have been answered; a late result is not kept.
    running_jobs_.erase(job->domain);
    --running_;
    co_return;
  }
  if (result) {
    job->report = std::move(*result);
    job->areas.clear();  // the report holds them; area_at() reads them there
    job->areas.shrink_to_fit();
    job->rendered["json"] = report::render_json(*job->report);
    // The rendered JSON is a fair measure of the report's size; the report itself is about as
    // large again, and the page rendering as large once made.
    job->bytes = 4 * job->rendered["json"].size();
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

std::size_t AuditService::cancel_running() {
  std::size_t n = 0;
  for (auto& [domain, job] : running_jobs_) {
    if (job->done) continue;
    job->cancelled = true;
    job->done = true;
    job->error = "the checker is restarting, so the audit was cancelled; try again shortly";
    job->notify();
    ++n;
  }
  return n;
}

void AuditService::remember(const std::shared_ptr<Job>& job) {
  if (config_.cache_ttl.count() <= 0) return;
  if (auto it = cache_.find(job->domain); it != cache_.end()) {
    cache_bytes_ -= it->second->bytes;
    cache_.erase(it);
  }
  cache_[job->domain] = job;
  cache_bytes_ += job->bytes;
  cache_order_.push_back(job);
  sweep();
}

void AuditService::sweep() {
  const auto now = std::chrono::steady_clock::now();
  while (!cache_order_.empty()) {
    const std::shared_ptr<Job> oldest = cache_order_.front();
    auto it = cache_.find(oldest->domain);
    if (it == cache_.end() || it->second != oldest) {
      cache_order_.pop_front();  // already gone or replaced by a newer result
      continue;
    }
    const bool expired = now - oldest->finished >= config_.cache_ttl;
    const bool over = cache_.size() > config_.max_cached || cache_bytes_ > config_.max_cache_bytes;
    if (!expired && !over) break;
    cache_bytes_ -= oldest->bytes;
    cache_.erase(it);
    cache_order_.pop_front();
  }
}

}  // namespace mc::serve
