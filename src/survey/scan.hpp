// scan.hpp - the survey scanner on one machine: audit every pending domain of a run, many at once
// on one event loop, and store each result as it is finished (store/scan_store.hpp).
//
// scan(store, run, options): `concurrency` workers each claim a job, audit the domain with
//   audit::audit_domain (options.audit as the template) and store the result with the job's
//   "done" in one transaction. When options.stop becomes true no new job is claimed and the audits
//   in flight finish; whatever is left stays pending for `mailcheck scan --resume`.
// result_row(report, json, attempts): PURE: the typed summary columns of one result.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "audit/audit.hpp"
#include "core/result.hpp"
#include "store/scan_store.hpp"

namespace mc::survey {

struct ScanProgress {
  std::int64_t done = 0;       // finished in this invocation
  std::int64_t remaining = 0;  // pending or leased when the scan started, minus done
  double elapsed_s = 0;
};

struct ScanOptions {
  explicit ScanOptions(audit::AuditOptions a) : audit(std::move(a)) {}
  audit::AuditOptions audit;  // the template: its domain is replaced per job
  std::size_t concurrency = 16;
  std::int64_t lease_seconds = 600;
  std::string worker;                                    // "host:pid"
  const std::atomic<bool>* stop = nullptr;               // set by a signal handler
  std::function<void(const ScanProgress&)> on_progress;  // after every result
};

// worker_id - "<host name>:<pid>" of this process.
std::string worker_id();
// worker_is_dead - a worker of this host whose process no longer exists (a crash, kill -9);
// workers of other hosts are never judged dead here.
bool worker_is_dead(const std::string& worker);

store::ResultRow result_row(const Report& report, std::string json, int attempts);

Result<ScanProgress> scan(store::ScanStore& store, std::int64_t run, const ScanOptions& options);

}  // namespace mc::survey
