// scan_store.hpp - the survey scanner's database: runs, a job per domain, and one result per
// domain, in one SQLite file (WAL). The job model is the one many workers can share (and the
// PostgreSQL store of the next step keeps): workers claim pending jobs in batches under a lease,
// a result and the job's "done" are written in one transaction, and the result is keyed by (run,
// domain), so a crash at any point loses no domain and records none twice.
//
// Job states: pending -> leased (worker, lease_until) -> done. A lease that expires, or whose
// worker is known to be dead, goes back to pending and is claimed again (attempts counts them).
// A result that may be transient (a timeout, SERVFAIL, a 4xx greeting) is not stored at once:
// retry_later puts the job back as pending, not before a given time, with the reason; the second
// result is kept whatever it says, with that reason beside it.
//
// Schema versions (PRAGMA user_version): 1 runs/jobs/results; 2 adds jobs.not_before,
// jobs.retry_reason and results.retry_reason. Older files are migrated when opened.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/sqlite.hpp"

namespace mc::store {

inline constexpr int kSchemaVersion = 2;

struct Job {
  std::int64_t seq = 0;      // its place in the run's list, from 1
  std::string domain;        // A-label form
  int attempts = 0;          // claims so far, this one included
  std::string retry_reason;  // why an earlier attempt is being retried ("" on a first attempt)
};

// The typed columns a survey aggregates, beside the full report (the `check` JSON).
inline constexpr std::array<const char*, 10> kAreaColumns = {
    "mx", "dnssec", "dane", "starttls", "mta_sts", "tls_rpt", "spf", "dkim", "dmarc", "bimi"};
struct ResultRow {
  std::string domain;
  std::string finished_at;  // RFC 3339
  int attempts = 0;
  std::string grade;         // "A".."F", "" when not graded
  std::optional<int> score;  // 0-100
  // By kAreaColumns: pass, warn, fail, none, error, or not_tested (Report::not_tested).
  std::array<std::string, 10> statuses;
  std::string report;        // the `check` JSON
  std::string retry_reason;  // why the first attempt was retried; "" if it was not
};

struct RunStatus {
  std::int64_t id = 0;
  std::string created_at;
  std::string source;  // the domain list it came from
  std::int64_t total = 0;
  std::int64_t rejected = 0;  // lines of the list that were not domain names
  std::int64_t pending = 0, leased = 0, done = 0;
  std::int64_t retried = 0;  // done after a retry
  std::string options;       // how the run was started (JSON), for --resume
};

class ScanStore {
 public:
  // open - the database at path, created with the current schema when new; an error for a file
  // of a newer schema or one that is not a MailCheck database.
  static Result<ScanStore> open(const std::string& path);

  // create_run - a run with one pending job per domain (in order; the list has no duplicates).
  Result<std::int64_t> create_run(const std::string& source, const std::string& options,
                                  const std::vector<std::string>& domains, std::int64_t rejected);
  // claim - up to `batch` jobs (pending and due by now, or leased with an expired lease), leased
  // to worker until now + lease_seconds.
  Result<std::vector<Job>> claim(std::int64_t run, const std::string& worker, std::size_t batch,
                                 std::int64_t now, std::int64_t lease_seconds);
  // complete - the job's result and its "done" in one transaction; false (and nothing written)
  // when the worker no longer holds the lease.
  Result<bool> complete(std::int64_t run, const Job& job, const std::string& worker,
                        const ResultRow& row);
  // retry_later - the job back to pending, due at not_before, with why; false when the worker no
  // longer holds the lease.
  Result<bool> retry_later(std::int64_t run, const Job& job, const std::string& worker,
                           std::int64_t not_before, const std::string& reason);
  // unclaim - leased jobs this worker did not start go back to pending, their claim not counted.
  Result<void> unclaim(std::int64_t run, const std::string& worker, const std::vector<Job>& jobs);
  // next_due - when the earliest pending job of the run becomes due; nullopt when none is pending.
  Result<std::optional<std::int64_t>> next_due(std::int64_t run);
  // release - every lease of run whose worker `dead` says is gone goes back to pending; returns
  // how many.
  Result<std::int64_t> release(std::int64_t run,
                               const std::function<bool(const std::string& worker)>& dead);
  Result<std::vector<RunStatus>> runs();
  Result<std::optional<RunStatus>> run(std::int64_t id);
  // results - every result of the run in list order.
  Result<void> results(std::int64_t run, const std::function<void(const ResultRow&)>& each);

 private:
  explicit ScanStore(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace mc::store
