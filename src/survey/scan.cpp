// scan.cpp - see scan.hpp.
#include "survey/scan.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <ctime>
#include <deque>
#include <optional>
#include <vector>

#include "audit/audit_data.hpp"
#include "core/clock.hpp"
#include "core/domain_name.hpp"
#include "report/render.hpp"

namespace asio = boost::asio;

namespace mc::survey {

std::string worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host, static_cast<long>(getpid()));
}

bool worker_is_dead(const std::string& worker) {
  const auto colon = worker.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string mine = worker_id();
  if (worker.substr(0, colon) != mine.substr(0, mine.rfind(':'))) return false;  // another host
  long pid = 0;
  for (char c : worker.substr(colon + 1)) {
    if (c < '0' || c > '9' || pid > 1'000'000'000) return false;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0 || pid == static_cast<long>(getpid())) return false;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

store::ResultRow result_row(const Report& report, std::string json, int attempts) {
  store::ResultRow row;
  row.domain = report.domain;
  row.finished_at = rfc3339_now();
  row.attempts = attempts;
  if (report.grade) {
    row.grade = report.grade->letter;
    row.score = report.grade->score;
  }
  for (const auto& a : report.areas) {
    row.statuses[static_cast<std::size_t>(a.area)] = std::string(to_string(a.status));
  }
  for (const auto& n : report.not_tested) {
    row.statuses[static_cast<std::size_t>(n.area)] = "not_tested";
  }
  row.report = std::move(json);
  return row;
}

std::string transient_failure(const Report& report) {
  std::vector<std::string> why;
  if (report.dns_failure) why.emplace_back("DNS failed entirely");
  for (const auto& a : report.areas) {
    if (a.status == Status::kError)
      why.push_back(fmt::format("{} undetermined", to_string(a.area)));
  }
  if (report.data && report.data->transport) {
    for (const auto& h : report.data->transport->hosts) {
      for (const auto& p : h.probes) {
        if (p.greeting && p.greeting->kind() == 4) {
          why.push_back(
              fmt::format("{} [{}] greeted {}", h.host, p.target.address, p.greeting->code));
        } else if (p.failure && p.failure->kind == "timeout") {
          why.push_back(fmt::format("{} [{}] timed out ({})", h.host, p.target.address,
                                    net::to_string(p.failure->step)));
        }
      }
    }
  }
  if (why.size() > 4) {
    const std::size_t more = why.size() - 3;
    why.resize(3);
    why.push_back(fmt::format("{} more", more));
  }
  return fmt::format("{}", fmt::join(why, "; "));
}

namespace {

struct Shared {
  Shared(store::ScanStore& st, std::int64_t r, const ScanOptions& o)
      : store(st), run(r), options(o) {}
  store::ScanStore& store;
  std::int64_t run;
  const ScanOptions& options;
  const dns::Resolver* resolver = nullptr;
  SharedProbes* probes = nullptr;
  std::deque<store::Job> queue;  // claimed, not started
  ScanProgress progress;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::optional<Error> failure;  // a database error ends the scan

  bool stopping() const { return failure || (options.stop && options.stop->load()); }
  std::size_t batch() const {
    return options.batch > 0 ? options.batch
                             : std::clamp<std::size_t>(options.concurrency / 2, 1, 256);
  }
};

// next_job - a job from the local queue, refilled from the store; nullopt when the run has
// nothing left to start (or the scan stops). Jobs due later (retries) are waited for.
asio::awaitable<std::optional<store::Job>> next_job(Shared& s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!s.stopping()) {
    if (!s.queue.empty()) {
      store::Job job = std::move(s.queue.front());
      s.queue.pop_front();
      co_return job;
    }
    const std::int64_t now = std::time(nullptr);
    auto jobs = s.store.claim(s.run, s.options.worker, s.batch(), now, s.options.lease_seconds);
    if (!jobs) {
      s.failure = jobs.error();
      break;
    }
    if (!jobs->empty()) {
      s.queue.insert(s.queue.end(), jobs->begin(), jobs->end());
      continue;
    }
    auto due = s.store.next_due(s.run);
    if (!due) {
      s.failure = due.error();
      break;
    }
    if (!*due) break;  // nothing pending: the run is done (or other workers hold the rest)
    // A retry not yet due: look again in a second (a stop request is seen meanwhile).
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return std::nullopt;
}

asio::awaitable<void> worker(Shared& s) {
  while (auto job = co_await next_job(s)) {
    auto domain = DomainName::parse(job->domain);
    if (!domain) {  // the list was checked when the run was made; a hand-edited database
      s.failure = Error{ErrorKind::kInvalidInput, job->domain + ": " + domain.error().message};
      co_return;
    }
    audit::AuditOptions o = s.options.audit;
    o.domain = *domain;
    o.shared_resolver = s.resolver;
    o.prober = s.probes->prober();
    auto report = co_await audit::audit_domain(std::move(o), {});
    if (!report) {
      s.failure = report.error();
      co_return;
    }
    const std::string transient = transient_failure(*report);
    if (!transient.empty() && job->retry_reason.empty()) {
      // Maybe a passing timeout, SERVFAIL or 4xx: ask once more later in the run.
      const std::int64_t due = std::time(nullptr) + s.options.retry_delay.count();
      auto queued = s.store.retry_later(s.run, *job, s.options.worker, due, transient);
      if (!queued) {
        s.failure = queued.error();
        co_return;
      }
      if (*queued) ++s.progress.retried;
      continue;
    }
    auto row = result_row(*report, report::render_json(*report), job->attempts);
    row.retry_reason = job->retry_reason;
    auto stored = s.store.complete(s.run, *job, s.options.worker, row);
    if (!stored) {
      s.failure = stored.error();
      co_return;
    }
    // A lease taken over by another worker (this one was too slow): its result is the one kept.
    if (!*stored) continue;
    ++s.progress.done;
    --s.progress.remaining;
    if (!transient.empty()) ++s.progress.undetermined;
    s.progress.elapsed_s = elapsed_ms(s.start) / 1000.0;
    s.progress.connections = static_cast<std::int64_t>(s.probes->connections());
    s.progress.probes_reused = static_cast<std::int64_t>(s.probes->reused());
    if (s.options.on_progress) s.options.on_progress(s.progress);
  }
}

}  // namespace

Result<ScanProgress> scan(store::ScanStore& store, std::int64_t run, const ScanOptions& options) {
  auto status = store.run(run);
  if (!status) return tl::unexpected(status.error());
  if (!*status) return make_error(ErrorKind::kNotFound, fmt::format("there is no run {}", run));
  Shared s(store, run, options);
  s.progress.remaining = (*status)->pending + (*status)->leased;
  asio::io_context io;
  dns::ResolverConfig rc = options.audit.resolver;
  rc.public_only = rc.public_only || options.audit.public_only;
  rc.cache_bytes = options.resolver_cache_bytes;
  rc.cache_max_ttl = options.resolver_cache_max_ttl;
  auto resolver = dns::Resolver::create(io.get_executor(), rc);
  if (!resolver) return tl::unexpected(resolver.error());
  s.resolver = resolver->get();
  SharedProbes probes(io.get_executor(), options.politeness);
  s.probes = &probes;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.concurrency); ++i) {
    asio::co_spawn(io, worker(s), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // a bug, not a domain's failure
    });
  }
  io.run();
  // Claimed but never started (a stop, a database error): back to pending, the claim not counted.
  if (!s.queue.empty()) {
    auto back = store.unclaim(run, options.worker, {s.queue.begin(), s.queue.end()});
    if (!back && !s.failure) s.failure = back.error();
  }
  if (s.failure) return tl::unexpected(*s.failure);
  s.progress.elapsed_s = elapsed_ms(s.start) / 1000.0;
  s.progress.connections = static_cast<std::int64_t>(probes.connections());
  s.progress.probes_reused = static_cast<std::int64_t>(probes.reused());
  return s.progress;
}

}  // namespace mc::survey
