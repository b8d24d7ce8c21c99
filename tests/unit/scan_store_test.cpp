// scan_store_test.cpp - the scan database on real SQLite files: schema, job claiming under
// leases, results written once with the job's "done", release of a dead worker's leases, and the
// domain list parser that feeds it.
#include "store/scan_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "audit/audit_data.hpp"
#include "survey/domain_list.hpp"
#include "survey/scan.hpp"
#include "test_support.hpp"

namespace mc::store {
namespace {

using V = std::vector<std::string>;

struct TempDb {
  std::string path = ::testing::TempDir() + "scan_store_test." + std::to_string(::getpid()) + "." +
                     std::to_string(counter()++) + ".db";
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

ResultRow row(const std::string& domain, const std::string& grade = "B") {
  ResultRow r;
  r.domain = domain;
  r.finished_at = "2026-12-03T00:00:00Z";
  r.attempts = 1;
  r.grade = grade;
  r.score = 80;
  r.statuses[0] = "pass";
  r.statuses[8] = "warn";
  r.report = R"({"domain":")" + domain + R"("})";
  return r;
}

V domains_of(const std::vector<Job>& jobs) {
  V out;
  for (const auto& j : jobs) out.push_back(j.domain);
  return out;
}

TEST(ScanStore, JobsAreClaimedOnceInOrderAndFinishedOnce) {
  TempDb t;
  auto s = ScanStore::open(t.path);
  ASSERT_TRUE(s) << s.error().message;
  auto run = s->create_run("list.txt", "{}", {"a.nz", "b.nz", "c.nz"}, 1);
  ASSERT_TRUE(run);
  auto first = s->claim(*run, "w1", 2, 1000, 60);
  ASSERT_TRUE(first);
  EXPECT_EQ(domains_of(*first), (V{"a.nz", "b.nz"}));
  auto second = s->claim(*run, "w2", 5, 1000, 60);
  EXPECT_EQ(domains_of(*second), V{"c.nz"});  // leased jobs are not handed out again
  EXPECT_TRUE(s->claim(*run, "w2", 5, 1000, 60)->empty());

  EXPECT_TRUE(*s->complete(*run, (*first)[0], "w1", row("a.nz")));
  // Only the lease holder completes a job.
  EXPECT_FALSE(*s->complete(*run, (*first)[1], "w2", row("b.nz")));
  auto status = s->run(*run);
  ASSERT_TRUE(status && *status);
  EXPECT_EQ((*status)->total, 3);
  EXPECT_EQ((*status)->rejected, 1);
  EXPECT_EQ((*status)->done, 1);
  EXPECT_EQ((*status)->leased, 2);
  EXPECT_EQ((*status)->pending, 0);

  V stored;
  ASSERT_TRUE(s->results(*run, [&](const ResultRow& r) {
    stored.push_back(r.domain);
    EXPECT_EQ(r.grade, "B");
    EXPECT_EQ(r.score, 80);
    EXPECT_EQ(r.statuses[0], "pass");
    EXPECT_EQ(r.statuses[8], "warn");
    EXPECT_EQ(r.statuses[1], "");
  }));
  EXPECT_EQ(stored, V{"a.nz"});
}

TEST(ScanStore, ExpiredLeasesAreClaimedAgainAndCounted) {
  TempDb t;
  auto s = ScanStore::open(t.path);
  auto run = s->create_run("l", "{}", {"a.nz"}, 0);
  auto jobs = s->claim(*run, "w1", 1, 1000, 60);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_TRUE(s->claim(*run, "w2", 1, 1059, 60)->empty());  // still held
  auto again = s->claim(*run, "w2", 1, 1061, 60);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  // The first worker comes back too late: its result is refused, the second one's is kept.
  EXPECT_FALSE(*s->complete(*run, (*jobs)[0], "w1", row("a.nz", "F")));
  EXPECT_TRUE(*s->complete(*run, (*again)[0], "w2", row("a.nz", "A")));
  int n = 0;
  s->results(*run, [&](const ResultRow& r) {
    ++n;
    EXPECT_EQ(r.grade, "A");
  });
  EXPECT_EQ(n, 1);
}

TEST(ScanStore, DeadWorkersLeasesGoBackAtOnce) {
  TempDb t;
  auto s = ScanStore::open(t.path);
  auto run = s->create_run("l", "{}", {"a.nz", "b.nz", "c.nz"}, 0);
  s->claim(*run, "gone", 2, 1000, 600);
  s->claim(*run, "alive", 1, 1000, 600);
  auto released = s->release(*run, [](const std::string& w) { return w == "gone"; });
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, 2);
  EXPECT_EQ(domains_of(*s->claim(*run, "new", 5, 1001, 600)), (V{"a.nz", "b.nz"}));
}

TEST(ScanStore, SurvivesReopeningAndRefusesOtherFiles) {
  TempDb t;
  std::int64_t run = 0;
  {
    auto s = ScanStore::open(t.path);
    run = *s->create_run("l", "{}", {"a.nz"}, 0);
  }
  auto again = ScanStore::open(t.path);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->runs()->size(), 1u);
  EXPECT_EQ((*again->run(run))->total, 1);
  EXPECT_FALSE(*again->run(run + 1));

  TempDb other;
  { std::ofstream(other.path) << "not a database at all, just text"; }
  auto bad = ScanStore::open(other.path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kConfig);
}

TEST(ScanStore, RetriesWaitUntilDueAndKeepTheirReason) {
  TempDb t;
  auto s = ScanStore::open(t.path);
  auto run = s->create_run("l", "{}", {"a.nz", "b.nz"}, 0);
  auto jobs = s->claim(*run, "w", 2, 1000, 600);
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_TRUE((*jobs)[0].retry_reason.empty());
  EXPECT_FALSE(*s->retry_later(*run, (*jobs)[0], "other", 1060, "x"));  // not its lease
  ASSERT_TRUE(*s->retry_later(*run, (*jobs)[0], "w", 1060, "mx undetermined"));
  EXPECT_EQ(**s->next_due(*run), 1060);
  EXPECT_TRUE(s->claim(*run, "w", 2, 1059, 600)->empty());  // not yet due
  auto retry = s->claim(*run, "w", 2, 1060, 600);
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ((*retry)[0].domain, "a.nz");
  EXPECT_EQ((*retry)[0].attempts, 2);
  EXPECT_EQ((*retry)[0].retry_reason, "mx undetermined");
  EXPECT_FALSE(*s->next_due(*run));  // nothing pending
  auto r = row("a.nz");
  r.retry_reason = (*retry)[0].retry_reason;
  ASSERT_TRUE(*s->complete(*run, (*retry)[0], "w", r));
  ASSERT_TRUE(*s->complete(*run, (*jobs)[1], "w", row("b.nz")));
  EXPECT_EQ((*s->run(*run))->retried, 1);
  V reasons;
  s->results(*run, [&](const ResultRow& x) { reasons.push_back(x.retry_reason); });
  EXPECT_EQ(reasons, (V{"mx undetermined", ""}));
}

TEST(ScanStore, UnclaimedJobsGoBackUncounted) {
  TempDb t;
  auto s = ScanStore::open(t.path);
  auto run = s->create_run("l", "{}", {"a.nz", "b.nz", "c.nz"}, 0);
  auto jobs = s->claim(*run, "w", 3, 1000, 600);
  ASSERT_TRUE(s->unclaim(*run, "w", {(*jobs)[1], (*jobs)[2]}));
  auto status = *s->run(*run);
  EXPECT_EQ(status->leased, 1);
  EXPECT_EQ(status->pending, 2);
  auto again = s->claim(*run, "w2", 3, 1001, 600);
  ASSERT_EQ(domains_of(*again), (V{"b.nz", "c.nz"}));
  EXPECT_EQ((*again)[0].attempts, 1);  // the claim that was never started does not count
}

TEST(ScanStore, UpgradesAVersionOneDatabase) {
  TempDb t;
  {
    // The version 1 layout, as the first release wrote it, with one run in it.
    auto db = Database::open(t.path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, source TEXT NOT "
        "NULL, options TEXT NOT NULL, total INTEGER NOT NULL, rejected INTEGER NOT NULL);"
        "CREATE TABLE jobs (run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, "
        "domain TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'leased', "
        "'done')), attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, lease_until INTEGER, "
        "PRIMARY KEY (run_id, seq), UNIQUE (run_id, domain));"
        "CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs(id), domain TEXT NOT NULL, "
        "seq INTEGER NOT NULL, finished_at TEXT NOT NULL, attempts INTEGER NOT NULL, grade TEXT, "
        "score INTEGER, mx TEXT, dnssec TEXT, dane TEXT, starttls TEXT, mta_sts TEXT, tls_rpt "
        "TEXT, spf TEXT, dkim TEXT, dmarc TEXT, bimi TEXT, report TEXT NOT NULL, PRIMARY KEY "
        "(run_id, domain));"
        "INSERT INTO runs VALUES (1, '2026-12-01T00:00:00Z', 'old.txt', '{}', 1, 0);"
        "INSERT INTO jobs (run_id, seq, domain, state) VALUES (1, 1, 'a.nz', 'pending');"
        "PRAGMA user_version = 1;"));
  }
  auto s = ScanStore::open(t.path);
  ASSERT_TRUE(s) << s.error().message;
  auto jobs = s->claim(1, "w", 1, 1000, 600);
  ASSERT_EQ(domains_of(*jobs), V{"a.nz"});
  EXPECT_TRUE(*s->retry_later(1, (*jobs)[0], "w", 1000, "why"));
  auto db = Database::open(t.path);
  auto v = db->prepare("PRAGMA user_version");
  ASSERT_TRUE(v && v->step());
  EXPECT_EQ(v->integer(0), kSchemaVersion);
}

TEST(ScanWorker, TransientFailuresAreRetriedAndSaySo) {
  EXPECT_EQ(survey::transient_failure(test::report_with({{Area::kMx, Status::kPass},
                                                         {Area::kDane, Status::kFail},
                                                         {Area::kDmarc, Status::kNone}})),
            "");  // a failure that is the domain's own is the result
  EXPECT_EQ(survey::transient_failure(
                test::report_with({{Area::kMx, Status::kPass}, {Area::kSpf, Status::kError}})),
            "spf undetermined");
  Report dns = test::report_with({{Area::kMx, Status::kError}});
  dns.dns_failure = DnsFailure{"no answer", "check the network"};
  EXPECT_EQ(survey::transient_failure(dns), "DNS failed entirely; mx undetermined");

  audit::AuditData data;
  checks::TransportData transport;
  checks::HostTransport host;
  host.host = "mx.example.nz";
  net::ProbeResult busy;
  busy.target.address = "192.0.2.25";
  busy.greeting = net::SmtpReply{421, {"too busy"}};
  net::ProbeResult slow;
  slow.target.address = "192.0.2.26";
  slow.failure = net::ProbeFailure{net::ProbeStep::kTlsHandshake, "timeout", "no answer"};
  net::ProbeResult refused;
  refused.target.address = "192.0.2.27";
  refused.failure = net::ProbeFailure{net::ProbeStep::kConnect, "refused", "refused"};
  host.probes = {busy, slow, refused};
  transport.hosts.push_back(host);
  data.transport = transport;
  Report smtp = test::report_with({{Area::kStarttls, Status::kWarn}});
  smtp.data = std::make_shared<const audit::AuditData>(std::move(data));
  EXPECT_EQ(survey::transient_failure(smtp),
            "mx.example.nz [192.0.2.25] greeted 421; mx.example.nz [192.0.2.26] timed out "
            "(tls_handshake)");
}

TEST(ScanWorker, OnlyThisHostsGoneProcessesAreDead) {
  const std::string me = survey::worker_id();
  const std::string host = me.substr(0, me.rfind(':'));
  EXPECT_FALSE(survey::worker_is_dead(me));
  EXPECT_FALSE(survey::worker_is_dead("other-host.example:1"));
  EXPECT_FALSE(survey::worker_is_dead(host + ":not-a-pid"));
  // A child that has exited and been reaped is gone.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(survey::worker_is_dead(host + ":" + std::to_string(child)));
}

TEST(DomainList, CommentsIdnsDuplicatesAndBadLines) {
  const auto list = survey::parse_domain_list(
      "# NZ sample\n"
      "example.co.nz\n"
      "  MÜLLER.co.nz   # an IDN\r\n"
      "\n"
      "example.co.nz.\n"
      "not a domain\n"
      "xn--mller-kva.co.nz\n"
      "last.nz");
  EXPECT_EQ(list.domains, (V{"example.co.nz", "xn--mller-kva.co.nz", "last.nz"}));
  EXPECT_EQ(list.duplicates, 2u);
  ASSERT_EQ(list.rejected.size(), 1u);
  EXPECT_EQ(list.rejected[0].line, 6u);
  EXPECT_EQ(list.rejected[0].text, "not a domain");
  EXPECT_FALSE(list.rejected[0].why.empty());
  EXPECT_TRUE(survey::parse_domain_list("").domains.empty());
  EXPECT_TRUE(survey::parse_domain_list("\n# only\n").rejected.empty());
}

}  // namespace
}  // namespace mc::store
