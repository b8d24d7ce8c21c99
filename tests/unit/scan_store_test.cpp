// scan_store_test.cpp - the scan database on real SQLite files: schema, job claiming under
// leases, results written once with the job's "done", release of a dead worker's leases, and the
// domain list parser that feeds it.
#include "store/scan_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "survey/domain_list.hpp"
#include "survey/scan.hpp"

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
