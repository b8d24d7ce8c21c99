// scan_store.cpp - see scan_store.hpp.
#include "store/scan_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/clock.hpp"

namespace mc::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  source TEXT NOT NULL,
  options TEXT NOT NULL,
  total INTEGER NOT NULL,
  rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  domain TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done')),
  attempts INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  lease_until INTEGER,
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, domain)
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (run_id, state, seq);
CREATE TABLE IF NOT EXISTS results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  domain TEXT NOT NULL,
  seq INTEGER NOT NULL,
  finished_at TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  grade TEXT,
  score INTEGER,
  mx TEXT, dnssec TEXT, dane TEXT, starttls TEXT, mta_sts TEXT,
  tls_rpt TEXT, spf TEXT, dkim TEXT, dmarc TEXT, bimi TEXT,
  report TEXT NOT NULL,
  PRIMARY KEY (run_id, domain)
);
)sql";

// Migrations: kMigrations[i] takes a database from version i + 1 to i + 2.
constexpr std::array<const char*, kSchemaVersion - 1> kMigrations = {
    R"sql(
ALTER TABLE jobs ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN retry_reason TEXT;
ALTER TABLE results ADD COLUMN retry_reason TEXT;
)sql",
};

Error failed(const Database& db, std::string_view what) {
  return Error{ErrorKind::kInternal, fmt::format("database: {}: {}", what, db.message())};
}

}  // namespace

Result<ScanStore> ScanStore::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) {
    return make_error(db.error().kind, fmt::format("{}; give another --db for the scan database",
                                                   db.error().message));
  }
  std::int64_t v = 0, tables = 0;
  {
    auto version = db->prepare("PRAGMA user_version");
    if (!version || !version->step()) return tl::unexpected(failed(*db, "reading the schema"));
    v = version->integer(0);
    auto count = db->prepare("SELECT count(*) FROM sqlite_master");
    if (!count || !count->step()) return tl::unexpected(failed(*db, "reading the schema"));
    tables = count->integer(0);
  }
  if (v > kSchemaVersion) {
    return make_error(ErrorKind::kConfig,
                      fmt::format("{} has schema {}, newer than this mailcheck ({}); use a newer "
                                  "mailcheck or another --db",
                                  path, v, kSchemaVersion));
  }
  if (v == 0 && tables > 0) {
    // A new file, or one that is something else: only an empty one becomes a scan database.
    return make_error(ErrorKind::kConfig,
                      fmt::format("{} is not a MailCheck scan database; give another --db", path));
  }
  if (v < kSchemaVersion) {
    // A new database gets version 1 and then every migration, as an old one does: one schema.
    auto tx = Transaction::begin(*db);
    if (!tx) return tl::unexpected(tx.error());
    if (v == 0) {
      if (auto r = db->exec(kSchema); !r) return tl::unexpected(r.error());
      v = 1;
    }
    for (; v < kSchemaVersion; ++v) {
      if (auto r = db->exec(kMigrations[static_cast<std::size_t>(v - 1)]); !r) {
        return make_error(r.error().kind, fmt::format("{}: upgrading the schema to version {}: {}",
                                                      path, v + 1, r.error().message));
      }
    }
    if (auto r = db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)); !r) {
      return tl::unexpected(r.error());
    }
    if (auto r = tx->commit(); !r) return tl::unexpected(r.error());
  }
  return ScanStore(std::move(*db));
}

Result<std::int64_t> ScanStore::create_run(const std::string& source, const std::string& options,
                                           const std::vector<std::string>& domains,
                                           std::int64_t rejected) {
  auto tx = Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  auto run = db_.prepare(
      "INSERT INTO runs (created_at, source, options, total, rejected) VALUES (?, ?, ?, ?, ?)");
  if (!run) return tl::unexpected(run.error());
  run->bind(1, rfc3339_now())
      .bind(2, source)
      .bind(3, options)
      .bind(4, static_cast<std::int64_t>(domains.size()))
      .bind(5, rejected);
  if (run->step(), !run->ok()) return tl::unexpected(failed(db_, "creating the run"));
  const std::int64_t id = db_.last_insert_id();
  {
    auto insert =
        db_.prepare("INSERT INTO jobs (run_id, seq, domain, state) VALUES (?, ?, ?, 'pending')");
    if (!insert) return tl::unexpected(insert.error());
    std::int64_t seq = 0;
    for (const auto& d : domains) {
      insert->reset().bind(1, id).bind(2, ++seq).bind(3, d);
      if (insert->step(), !insert->ok()) return tl::unexpected(failed(db_, "adding " + d));
    }
  }
  if (auto r = tx->commit(); !r) return tl::unexpected(r.error());
  return id;
}

Result<std::vector<Job>> ScanStore::claim(std::int64_t run, const std::string& worker,
                                          std::size_t batch, std::int64_t now,
                                          std::int64_t lease_seconds) {
  auto tx = Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  std::vector<Job> out;
  {
    auto s = db_.prepare(
        "UPDATE jobs SET state = 'leased', worker = ?1, lease_until = ?2, attempts = attempts + 1 "
        "WHERE run_id = ?3 AND seq IN (SELECT seq FROM jobs WHERE run_id = ?3 AND ((state = "
        "'pending' AND not_before <= ?4) OR (state = 'leased' AND lease_until < ?4)) ORDER BY "
        "seq LIMIT ?5) RETURNING seq, domain, attempts, retry_reason");
    if (!s) return tl::unexpected(s.error());
    s->bind(1, worker)
        .bind(2, now + lease_seconds)
        .bind(3, run)
        .bind(4, now)
        .bind(5, static_cast<std::int64_t>(batch));
    while (s->step()) {
      out.push_back({s->integer(0), s->text(1), static_cast<int>(s->integer(2)), s->text(3)});
    }
    if (!s->ok()) return tl::unexpected(failed(db_, "claiming jobs"));
  }  // the statement is finalised before COMMIT
  if (auto r = tx->commit(); !r) return tl::unexpected(r.error());
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.seq < b.seq; });
  return out;
}

Result<bool> ScanStore::complete(std::int64_t run, const Job& job, const std::string& worker,
                                 const ResultRow& row) {
  auto tx = Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  auto done = db_.prepare(
      "UPDATE jobs SET state = 'done', lease_until = NULL WHERE run_id = ? AND seq = ? AND "
      "state = 'leased' AND worker = ?");
  if (!done) return tl::unexpected(done.error());
  done->bind(1, run).bind(2, job.seq).bind(3, worker);
  if (done->step(), !done->ok()) return tl::unexpected(failed(db_, "completing " + job.domain));
  if (db_.changes() != 1) return false;  // the lease was lost: another worker has it
  auto insert = db_.prepare(
      "INSERT OR REPLACE INTO results (run_id, domain, seq, finished_at, attempts, grade, score, "
      "mx, dnssec, dane, starttls, mta_sts, tls_rpt, spf, dkim, dmarc, bimi, report, "
      "retry_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return tl::unexpected(insert.error());
  insert->bind(1, run).bind(2, job.domain).bind(3, job.seq).bind(4, row.finished_at);
  insert->bind(5, static_cast<std::int64_t>(row.attempts));
  if (row.grade.empty()) {
    insert->bind_null(6);
  } else {
    insert->bind(6, row.grade);
  }
  if (row.score) {
    insert->bind(7, static_cast<std::int64_t>(*row.score));
  } else {
    insert->bind_null(7);
  }
  for (std::size_t i = 0; i < row.statuses.size(); ++i) {
    const int index = static_cast<int>(8 + i);
    if (row.statuses[i].empty()) {
      insert->bind_null(index);
    } else {
      insert->bind(index, row.statuses[i]);
    }
  }
  insert->bind(18, row.report);
  if (row.retry_reason.empty()) {
    insert->bind_null(19);
  } else {
    insert->bind(19, row.retry_reason);
  }
  if (insert->step(), !insert->ok()) return tl::unexpected(failed(db_, "storing " + job.domain));
  if (auto r = tx->commit(); !r) return tl::unexpected(r.error());
  return true;
}

Result<bool> ScanStore::retry_later(std::int64_t run, const Job& job, const std::string& worker,
                                    std::int64_t not_before, const std::string& reason) {
  auto s = db_.prepare(
      "UPDATE jobs SET state = 'pending', worker = NULL, lease_until = NULL, not_before = ?, "
      "retry_reason = ? WHERE run_id = ? AND seq = ? AND state = 'leased' AND worker = ?");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, not_before).bind(2, reason).bind(3, run).bind(4, job.seq).bind(5, worker);
  if (s->step(), !s->ok()) return tl::unexpected(failed(db_, "re-queueing " + job.domain));
  return db_.changes() == 1;
}

Result<void> ScanStore::unclaim(std::int64_t run, const std::string& worker,
                                const std::vector<Job>& jobs) {
  auto tx = Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  {
    auto s = db_.prepare(
        "UPDATE jobs SET state = 'pending', worker = NULL, lease_until = NULL, attempts = "
        "attempts - 1 WHERE run_id = ? AND seq = ? AND state = 'leased' AND worker = ?");
    if (!s) return tl::unexpected(s.error());
    for (const auto& j : jobs) {
      s->reset().bind(1, run).bind(2, j.seq).bind(3, worker);
      if (s->step(), !s->ok()) return tl::unexpected(failed(db_, "returning " + j.domain));
    }
  }
  return tx->commit();
}

Result<std::optional<std::int64_t>> ScanStore::next_due(std::int64_t run) {
  auto s = db_.prepare("SELECT min(not_before) FROM jobs WHERE run_id = ? AND state = 'pending'");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, run);
  std::optional<std::int64_t> due;
  if (s->step() && !s->is_null(0)) due = s->integer(0);
  if (!s->ok()) return tl::unexpected(failed(db_, "reading the queue"));
  return due;
}

Result<std::int64_t> ScanStore::release(std::int64_t run,
                                        const std::function<bool(const std::string&)>& dead) {
  auto tx = Transaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  std::vector<std::string> gone;
  {
    auto s = db_.prepare("SELECT DISTINCT worker FROM jobs WHERE run_id = ? AND state = 'leased'");
    if (!s) return tl::unexpected(s.error());
    s->bind(1, run);
    while (s->step()) {
      if (dead(s->text(0))) gone.push_back(s->text(0));
    }
    if (!s->ok()) return tl::unexpected(failed(db_, "reading leases"));
  }
  std::int64_t released = 0;
  for (const auto& w : gone) {
    auto u = db_.prepare(
        "UPDATE jobs SET state = 'pending', worker = NULL, lease_until = NULL WHERE run_id = ? "
        "AND state = 'leased' AND worker = ?");
    if (!u) return tl::unexpected(u.error());
    u->bind(1, run).bind(2, w);
    if (u->step(), !u->ok()) return tl::unexpected(failed(db_, "releasing leases"));
    released += db_.changes();
  }
  if (auto r = tx->commit(); !r) return tl::unexpected(r.error());
  return released;
}

Result<std::vector<RunStatus>> ScanStore::runs() {
  auto s = db_.prepare(
      "SELECT r.id, r.created_at, r.source, r.total, r.rejected, "
      "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.state = 'pending'), "
      "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.state = 'leased'), "
      "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.state = 'done'), "
      "(SELECT count(*) FROM results x WHERE x.run_id = r.id AND x.retry_reason IS NOT NULL), "
      "r.options FROM runs r ORDER BY r.id");
  if (!s) return tl::unexpected(s.error());
  std::vector<RunStatus> out;
  while (s->step()) {
    out.push_back({s->integer(0), s->text(1), s->text(2), s->integer(3), s->integer(4),
                   s->integer(5), s->integer(6), s->integer(7), s->integer(8), s->text(9)});
  }
  if (!s->ok()) return tl::unexpected(failed(db_, "listing runs"));
  return out;
}

Result<std::optional<RunStatus>> ScanStore::run(std::int64_t id) {
  auto all = runs();
  if (!all) return tl::unexpected(all.error());
  for (auto& r : *all) {
    if (r.id == id) return std::optional<RunStatus>(std::move(r));
  }
  return std::optional<RunStatus>();
}

Result<void> ScanStore::results(std::int64_t run,
                                const std::function<void(const ResultRow&)>& each) {
  auto s = db_.prepare(
      "SELECT domain, finished_at, attempts, grade, score, mx, dnssec, dane, starttls, mta_sts, "
      "tls_rpt, spf, dkim, dmarc, bimi, report, retry_reason FROM results WHERE run_id = ? "
      "ORDER BY seq");
  if (!s) return tl::unexpected(s.error());
  s->bind(1, run);
  while (s->step()) {
    ResultRow r;
    r.domain = s->text(0);
    r.finished_at = s->text(1);
    r.attempts = static_cast<int>(s->integer(2));
    r.grade = s->text(3);
    if (!s->is_null(4)) r.score = static_cast<int>(s->integer(4));
    for (std::size_t i = 0; i < r.statuses.size(); ++i)
      r.statuses[i] = s->text(static_cast<int>(5 + i));
    r.report = s->text(15);
    r.retry_reason = s->text(16);
    each(r);
  }
  if (!s->ok()) return tl::unexpected(failed(db_, "reading results"));
  return {};
}

}  // namespace mc::store
