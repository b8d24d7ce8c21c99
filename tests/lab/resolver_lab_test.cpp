// resolver_lab_test.cpp - the DNS layer against the lab's real NSD and unbound: outcomes, DNSSEC
// states, CNAME chains, deadlines, concurrency, and local validation (never the upstream AD bit).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>

#include "core/parallel.hpp"
#include "dns/resolver.hpp"
#include "lab_support.hpp"

namespace mc::lab {
namespace {

namespace asio = boost::asio;
using dns::Outcome;
using dns::Security;
namespace rrtype = dns::rrtype;

std::vector<dns::Answer> lookup(std::vector<std::pair<std::string, std::uint16_t>> queries,
                                dns::ResolverConfig config = resolver_config()) {
  asio::io_context io;
  auto resolver = dns::Resolver::create(io.get_executor(), config);
  EXPECT_TRUE(resolver) << (resolver ? "" : resolver.error().message);
  if (!resolver) return {};
  std::vector<dns::Answer> out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<asio::awaitable<dns::Answer>> tasks;
        for (auto& [name, type] : queries) tasks.push_back((*resolver)->query(name, type));
        out = co_await when_all(std::move(tasks));
      },
      asio::detached);
  io.run();
  return out;
}

dns::Answer one(const std::string& name, std::uint16_t type,
                dns::ResolverConfig config = resolver_config()) {
  auto v = lookup({{name, type}}, std::move(config));
  return v.empty() ? dns::Answer{} : v[0];
}

TEST(Resolver, SecureDataWithRecordsAndTtl) {
  auto a = one("good.co.nz", rrtype::kMx);
  EXPECT_EQ(a.outcome, Outcome::kData);
  EXPECT_EQ(a.security, Security::kSecure);
  EXPECT_EQ(a.rcode, 0);
  ASSERT_EQ(a.records.size(), 2u);
  EXPECT_GT(a.min_ttl(), 0u);
  EXPECT_LE(a.min_ttl(), 3600u);
}

TEST(Resolver, SecureNxDomain) {
  auto a = one("does-not-exist.co.nz", rrtype::kMx);
  EXPECT_EQ(a.outcome, Outcome::kNxDomain);
  EXPECT_EQ(a.security, Security::kSecure);  // validated denial of existence
}

TEST(Resolver, SecureNoData) {
  auto a = one("good.co.nz", rrtype::kTlsa);
  EXPECT_EQ(a.outcome, Outcome::kNoData);
  EXPECT_EQ(a.security, Security::kSecure);
}

TEST(Resolver, InsecureBranch) {
  auto a = one("unsigned.co.nz", rrtype::kMx);
  EXPECT_EQ(a.outcome, Outcome::kData);
  EXPECT_EQ(a.security, Security::kInsecure);
}

TEST(Resolver, BogusCarriesTheValidatorsReason) {
  // The lab recursor itself answers SERVFAIL here; our validator re-asks with CD=1 and names why.
  auto a = one("bogus.co.nz", rrtype::kMx);
  EXPECT_EQ(a.security, Security::kBogus);
  EXPECT_EQ(a.outcome, Outcome::kServFail);
  EXPECT_NE(a.why_bogus.find("signature expired"), std::string::npos) << a.why_bogus;
}

TEST(Resolver, BogusDsMismatch) {
  auto a = one("bogus-ds.co.nz", rrtype::kMx);
  EXPECT_EQ(a.security, Security::kBogus);
  EXPECT_NE(a.why_bogus.find("no keys have a DS"), std::string::npos) << a.why_bogus;
}

TEST(Resolver, ServFailIsNotBogus) {
  auto a = one("servfail.co.nz", rrtype::kMx);
  EXPECT_EQ(a.outcome, Outcome::kServFail);
  EXPECT_EQ(a.security, Security::kIndeterminate);
}

TEST(LabTimeout, TimeoutIsItsOwnOutcome) {
  auto a = one("timeout.co.nz", rrtype::kMx,
               blackholed(resolver_config(std::chrono::milliseconds(1500))));
  EXPECT_EQ(a.outcome, Outcome::kTimeout);
  EXPECT_EQ(a.security, Security::kIndeterminate);
  EXPECT_FALSE(a.error.empty());
}

TEST(Resolver, CnameChainIsRecorded) {
  auto a = one("shop.good.co.nz", rrtype::kMx);
  EXPECT_EQ(a.outcome, Outcome::kData);
  ASSERT_EQ(a.cname_chain.size(), 1u);
  EXPECT_EQ(a.cname_chain[0].from, "shop.good.co.nz");
  EXPECT_EQ(a.cname_chain[0].to, "good.co.nz");
  EXPECT_EQ(a.records.size(), 2u);
}

TEST(Resolver, ManyLookupsAtOnce) {
  std::vector<std::pair<std::string, std::uint16_t>> q;
  for (const char* d :
       {"good.co.nz", "nullmx.co.nz", "mx-cname.co.nz", "unsigned.co.nz", "mx-partial.co.nz",
        "xn--mller-kva.co.nz", "nsec3.co.nz", "implicit-mx.co.nz"}) {
    q.emplace_back(d, rrtype::kMx);
    q.emplace_back(d, rrtype::kA);
  }
  auto answers = lookup(q);
  ASSERT_EQ(answers.size(), q.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_EQ(answers[i].qname, q[i].first);
    EXPECT_TRUE(answers[i].is_answer()) << answers[i].describe();
  }
}

TEST(Resolver, ValidatesLocallyNotOnTheUpstreamAdBit) {
  // The lab recursor validates and sets AD; with a trust anchor that matches nothing, our own
  // validator must call the same answer bogus.
  const std::string path = testing::TempDir() + "/wrong-anchor.key";
  std::ofstream(path) << ". 3600 IN DS 4242 13 2 "
                         "0000000000000000000000000000000000000000000000000000000000000000\n";
  auto config = resolver_config();
  config.trust_anchor_file = path;
  auto a = one("good.co.nz", rrtype::kMx, config);
  EXPECT_EQ(a.security, Security::kBogus) << a.describe();
  std::remove(path.c_str());
}

TEST(Resolver, HandlesShareTheContextEachWithItsOwnDeadline) {
  asio::io_context io;
  auto base = dns::Resolver::create(io.get_executor(), resolver_config());
  ASSERT_TRUE(base);
  auto late = (*base)->handle();
  late->set_deadline(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  auto on_time = (*base)->handle();
  base->reset();  // the context lives on in its handles
  dns::Answer a, b, c;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        a = co_await late->query("good.co.nz", rrtype::kMx);
        b = co_await on_time->query("good.co.nz", rrtype::kMx);
        c = co_await on_time->query("good.co.nz", rrtype::kMx);  // from the shared cache
      },
      asio::detached);
  io.run();
  EXPECT_EQ(a.outcome, Outcome::kTimeout);
  EXPECT_NE(a.error.find("deadline had passed"), std::string::npos) << a.error;
  EXPECT_EQ(b.outcome, Outcome::kData) << b.describe();
  EXPECT_EQ(b.security, Security::kSecure);
  EXPECT_EQ(c.outcome, Outcome::kData) << c.describe();
  EXPECT_EQ(c.security, Security::kSecure);
  EXPECT_EQ(late->lookups(), 0u);
  EXPECT_EQ(on_time->lookups(), 2u);
}

TEST(Resolver, BoundedCacheOptionsAreAccepted) {
  auto config = resolver_config();
  config.cache_bytes = 1u << 20;
  config.cache_max_ttl = std::chrono::seconds(60);
  auto answers = lookup({{"good.co.nz", rrtype::kMx}}, config);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].security, Security::kSecure) << answers[0].describe();
  // TTLs are capped at the configured maximum.
  for (const auto& r : answers[0].records) EXPECT_LE(r.ttl, 60u);
}

TEST(LabTimeout, DeadlineBoundsEveryLookup) {
  asio::io_context io;
  // A per-query timeout far beyond the deadline: only the audit deadline can end the lookup.
  auto resolver = dns::Resolver::create(io.get_executor(),
                                        blackholed(resolver_config(std::chrono::minutes(10))));
  ASSERT_TRUE(resolver);
  (*resolver)->set_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(800));
  dns::Answer a;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        a = co_await (*resolver)->query("timeout.co.nz", rrtype::kA);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(a.outcome, Outcome::kTimeout);
  EXPECT_NE(a.error.find("audit deadline"), std::string::npos) << a.error;
}

TEST(LabTimeout, AuditDeadlineBoundsTheWholeAudit) {
  // MX lookup, then host lookups, then probes: the deadline covers every stage.
  Report r =
      audit_blackholed("timeout.co.nz", std::chrono::milliseconds(1200), std::chrono::minutes(10));
  ASSERT_NE(r.area(Area::kMx), nullptr);
  const auto& lookup = r.area(Area::kMx)->details["lookup"];
  EXPECT_EQ(lookup.value("outcome", ""), "timeout");
  EXPECT_NE(lookup.value("error", "").find("audit deadline"), std::string::npos) << lookup;
  EXPECT_LT(r.elapsed_ms, 10000);  // bounded by the deadline, not by the 10-minute query timeout
}

}  // namespace
}  // namespace mc::lab
