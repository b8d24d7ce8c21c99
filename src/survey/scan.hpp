// scan.hpp - the survey scanner on one machine: audit every pending domain of a run, many at once
// on one event loop, and store each result as it is finished (store/scan_store.hpp).
//
// scan(store, run, options): `concurrency` workers take jobs from a local queue (claimed from the
//   store in batches), audit each domain with audit::audit_domain (options.audit as the
//   template) and store the result with the job's "done" in one transaction. The audits share
//   one long-lived validating resolver, so each zone's DNSKEY and DS are fetched and validated
//   once per run; and one SharedProbes, so each (MX host, address, port) is connected to once,
//   politely (survey/probes.hpp). A first result that may be transient (transient_failure) is
//   not stored: the job is retried once, options.retry_delay later. When options.stop becomes true
//   no new job is started, the audits in flight finish, and claimed jobs not started go back to
//   pending; whatever is left stays pending for `mailcheck scan --resume`.
// result_row(report, json, attempts): PURE: the typed summary columns of one result.
// transient_failure(report): PURE: why the result may change if asked again soon ("" if not).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "audit/audit.hpp"
#include "core/result.hpp"
#include "store/scan_store.hpp"
#include "survey/probes.hpp"

namespace mc::survey {

struct ScanProgress {
  std::int64_t done = 0;           // finished in this invocation
  std::int64_t remaining = 0;      // pending or leased when the scan started, minus done
  std::int64_t undetermined = 0;   // of done: some area could not be determined (even on retry)
  std::int64_t retried = 0;        // first results put back for a retry
  std::int64_t connections = 0;    // SMTP connections made (one per MX host and address)
  std::int64_t probes_reused = 0;  // probes answered from an earlier connection
  double elapsed_s = 0;
};

struct ScanOptions {
  explicit ScanOptions(audit::AuditOptions a) : audit(std::move(a)) {}
  audit::AuditOptions audit;  // the template: its domain is replaced per job
  std::size_t concurrency = 16;
  std::int64_t lease_seconds = 600;
  std::chrono::seconds retry_delay{60};  // a transient failure is retried this much later
  std::size_t batch = 0;                 // jobs claimed at once; 0: from the concurrency
  // The shared resolver's cache: memory and the longest any answer is reused.
  std::size_t resolver_cache_bytes = 64u << 20;
  std::chrono::seconds resolver_cache_max_ttl{3600};
  Politeness politeness;
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
std::string transient_failure(const Report& report);

Result<ScanProgress> scan(store::ScanStore& store, std::int64_t run, const ScanOptions& options);

}  // namespace mc::survey
