// scan.cpp - see scan.hpp.
#include "survey/scan.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <ctime>
#include <optional>

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
  row.report = std::move(json);
  return row;
}

namespace {

struct Shared {
  Shared(store::ScanStore& st, std::int64_t r, const ScanOptions& o)
      : store(st), run(r), options(o) {}
  store::ScanStore& store;
  std::int64_t run;
  const ScanOptions& options;
  ScanProgress progress;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::optional<Error> failure;  // a database error ends the scan

  bool stopping() const { return failure || (options.stop && options.stop->load()); }
};

asio::awaitable<void> worker(Shared& s) {
  while (!s.stopping()) {
    auto jobs =
        s.store.claim(s.run, s.options.worker, 1, std::time(nullptr), s.options.lease_seconds);
    if (!jobs) {
      s.failure = jobs.error();
      co_return;
    }
    if (jobs->empty()) co_return;
    const store::Job& job = jobs->front();
    auto domain = DomainName::parse(job.domain);
    if (!domain) {  // the list was checked when the run was made; a hand-edited database
      s.failure = Error{ErrorKind::kInvalidInput, job.domain + ": " + domain.error().message};
      co_return;
    }
    audit::AuditOptions o = s.options.audit;
    o.domain = *domain;
    auto report = co_await audit::audit_domain(std::move(o), {});
    if (!report) {
      s.failure = report.error();
      co_return;
    }
    auto row = result_row(*report, report::render_json(*report), job.attempts);
    auto stored = s.store.complete(s.run, job, s.options.worker, row);
    if (!stored) {
      s.failure = stored.error();
      co_return;
    }
    // A lease taken over by another worker (this one was too slow): its result is the one kept.
    if (!*stored) continue;
    ++s.progress.done;
    --s.progress.remaining;
    s.progress.elapsed_s = elapsed_ms(s.start) / 1000.0;
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
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.concurrency); ++i) {
    asio::co_spawn(io, worker(s), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // a bug, not a domain's failure
    });
  }
  io.run();
  if (s.failure) return tl::unexpected(*s.failure);
  s.progress.elapsed_s = elapsed_ms(s.start) / 1000.0;
  return s.progress;
}

}  // namespace mc::survey
