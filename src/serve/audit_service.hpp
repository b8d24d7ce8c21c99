// audit_service.hpp - the audits a web server runs: one job per domain however many clients ask,
// a result cache with a TTL, a cap on audits running at once and a per-client rate limit on
// starting fresh ones. Everything runs on the server's one event loop (no locks).
//
// A Job collects a domain's areas as the audit decides them; readers (a streaming page, the JSON
// API) wait on it with wait_change(), which returns at the next change. Finished jobs stay in the
// cache until their TTL passes, so a shared result URL opens instantly. At shutdown, jobs still
// running past the grace period are cancelled: they end without a report, and their readers tell
// their clients to come back (503).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/report_model.hpp"
#include "serve/rate_limit.hpp"

namespace mc::serve {

struct Job {
  Job(boost::asio::any_io_executor executor, std::string d);
  std::string domain;             // A-label form
  std::vector<Area> decided;      // the areas in the order they were decided
  std::vector<AreaReport> areas;  // while running: the decided areas (then held by the report)
  std::optional<Report> report;   // when done and the audit ran
  std::string error;              // when done and the audit could not run, or was cancelled
  bool done = false;
  bool cancelled = false;  // at shutdown; done too, and never cached
  std::chrono::steady_clock::time_point finished;
  std::size_t bytes = 0;  // what the cache counts against its budget
  // Renderings made once for every reader of a cached result, by variant ("json", "page",
  // "json:nz-sge", ...).
  std::map<std::string, std::string> rendered;
  // area_at - the i-th decided area (i < decided.size()).
  const AreaReport& area_at(std::size_t i) const;
  // wait_change - resume at the next change (an area, the end). Single-threaded: a reader checks
  // the state, then waits; no change can slip in between.
  boost::asio::awaitable<void> wait_change();
  void notify();

 private:
  boost::asio::steady_timer changed_;
};

struct ServiceConfig {
  ServiceConfig() : base(*DomainName::parse("invalid")) {}
  audit::AuditOptions base;  // everything but the domain
  std::size_t max_running = 8;
  std::chrono::seconds cache_ttl{300};
  std::size_t max_cached = 10000;
  std::size_t max_cache_bytes = 256u << 20;  // the results' estimated size
  double audits_per_minute = 6;              // per client
  double audit_burst = 6;
};

class AuditService {
 public:
  AuditService(boost::asio::any_io_executor executor, ServiceConfig config);

  enum class Outcome {
    kCached,       // a finished result within its TTL
    kJoined,       // an audit of the domain is already running
    kStarted,      // a fresh audit was started
    kBusy,         // max_running audits are running: try again later
    kRateLimited,  // this client started too many audits lately
    kStopping,     // the server is shutting down
  };
  struct Lookup {
    Outcome outcome = Outcome::kBusy;
    std::shared_ptr<Job> job;  // for kCached, kJoined, kStarted (get() only)
    std::chrono::seconds retry_after{0};
  };
  // The Retry-After of a refusal because the server is stopping.
  static constexpr std::chrono::seconds kStoppingRetryAfter{30};

  // get - the domain's job: cached, running, or started for this client if the limits allow.
  Lookup get(const DomainName& domain, const std::string& client);
  // peek - what get() would answer, changing nothing: kStarted (with no job) means an audit
  // would start; no token is spent.
  Lookup peek(const DomainName& domain, const std::string& client);

  std::size_t running() const { return running_; }
  std::size_t cached() const { return cache_.size(); }
  std::size_t cache_bytes() const { return cache_bytes_; }
  // sweep - drop expired results, and the oldest ones while over the entry or byte budget.
  void sweep();
  std::size_t audits_started() const { return started_; }
  void stop_starting() { stopping_ = true; }
  bool stopping() const { return stopping_; }
  // cancel_running - end every running job as cancelled and wake its readers; the audits
  // themselves are abandoned (they end with the event loop). Returns how many were cancelled.
  std::size_t cancel_running();
  const ServiceConfig& config() const { return config_; }

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<Job> job);
  void remember(const std::shared_ptr<Job>& job);

  boost::asio::any_io_executor executor_;
  ServiceConfig config_;
  RateLimiter limiter_;
  std::map<std::string, std::shared_ptr<Job>> running_jobs_;
  std::map<std::string, std::shared_ptr<Job>> cache_;
  // Finished jobs in the order they finished (so expiry is from the front); a job no longer in
  // cache_ (expired, replaced) is skipped when reached.
  std::deque<std::shared_ptr<Job>> cache_order_;
  std::size_t cache_bytes_ = 0;
  std::size_t running_ = 0;
  std::size_t started_ = 0;
  bool stopping_ = false;
};

std::string_view to_string(AuditService::Outcome o);

}  // namespace mc::serve
