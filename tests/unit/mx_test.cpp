// mx_test.cpp - evaluate_mx on fixed answers: one behaviour per test, asserting status and ids.
#include "checks/mx.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "checks/transport.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using dns::Outcome;
using dns::Security;
namespace rrtype = dns::rrtype;
using test::answer;
using test::nodata;
using test::secure_data;

using test::ids;

bool has(const AreaReport& r, const std::string& id) {
  auto v = ids(r);
  return std::find(v.begin(), v.end(), id) != v.end();
}

MxHost host(std::string name, std::vector<std::string> v4, std::vector<std::string> v6 = {}) {
  MxHost h;
  h.name = name;
  std::vector<std::vector<std::string>> a, aaaa;
  for (auto& s : v4) a.push_back({s});
  for (auto& s : v6) aaaa.push_back({s});
  h.a = a.empty() ? nodata(name, rrtype::kA) : secure_data(name, rrtype::kA, a);
  h.aaaa = aaaa.empty() ? nodata(name, rrtype::kAaaa) : secure_data(name, rrtype::kAaaa, aaaa);
  return h;
}

MxData with_mx(std::vector<std::vector<std::string>> mx_rdata, std::vector<MxHost> resolved) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = secure_data("example.co.nz", rrtype::kMx, std::move(mx_rdata));
  derive_mx_entries(d);
  for (auto& h : d.hosts) {
    for (auto& r : resolved) {
      if (r.name == h.name) {
        h.a = r.a;
        h.aaaa = r.aaaa;
      }
    }
  }
  return d;
}

TEST(MxCheck, TwoGoodHostsPass) {
  auto d = with_mx({{"10", "mx1.example.co.nz"}, {"20", "mx2.example.co.nz"}},
                   {host("mx1.example.co.nz", {"192.0.2.1"}, {"2001:db8::1"}),
                    host("mx2.example.co.nz", {"192.0.2.2"})});
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_TRUE(ids(r).empty()) << ::testing::PrintToString(ids(r));
  EXPECT_EQ(r.details["hosts"].size(), 2u);
  EXPECT_EQ(r.details["hosts"][0]["ipv6"][0], "2001:db8::1");
}

TEST(MxCheck, HostsAreOrderedByPreference) {
  auto d =
      with_mx({{"20", "b.example.co.nz"}, {"10", "a.example.co.nz"}},
              {host("a.example.co.nz", {"192.0.2.1"}), host("b.example.co.nz", {"192.0.2.2"})});
  ASSERT_EQ(d.hosts.size(), 2u);
  EXPECT_EQ(d.hosts[0].name, "a.example.co.nz");
}

TEST(MxCheck, NullMxPassesWithAdvice) {
  auto d = with_mx({{"0", "."}}, {});
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.null_mx"});
  EXPECT_NE(r.findings[0].recommendation.find("v=spf1 -all"), std::string::npos);
  EXPECT_TRUE(r.details["null_mx"].get<bool>());
}

TEST(MxCheck, NullMxMixedFails) {
  auto d = with_mx({{"0", "."}, {"10", "mx1.example.co.nz"}},
                   {host("mx1.example.co.nz", {"192.0.2.1"})});
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_TRUE(has(r, "mx.null_mx_mixed"));
}

TEST(MxCheck, NullMxWithPreferenceFails) {
  auto r = mx_report(with_mx({{"10", "."}}, {}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_TRUE(has(r, "mx.null_mx_preference"));
}

TEST(MxCheck, ImplicitMxWarns) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = nodata("example.co.nz", rrtype::kMx);
  d.implicit = true;
  d.hosts.push_back(host("example.co.nz", {"192.0.2.5"}));
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_TRUE(has(r, "mx.implicit"));
}

TEST(MxCheck, NoMxNoAddressFails) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = nodata("example.co.nz", rrtype::kMx);
  d.implicit = true;
  d.hosts.push_back(host("example.co.nz", {}));
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.no_mail_host"});
}

TEST(MxCheck, CnameTargetWarnsAndNamesCanonicalHost) {
  auto h = host("mail.example.co.nz", {"192.0.2.1"});
  h.a.cname_chain.push_back({"mail.example.co.nz", "real.example.net", 300});
  auto d = with_mx({{"10", "mail.example.co.nz"}}, {h});
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kWarn);
  ASSERT_TRUE(has(r, "mx.target_cname"));
  for (const auto& f : r.findings) {
    if (f.id == "mx.target_cname") {
      EXPECT_NE(f.recommendation.find("MX 10 real.example.net."), std::string::npos);
    }
  }
}

TEST(MxCheck, SingleTargetWithoutAddressFails) {
  auto r = mx_report(with_mx({{"10", "mx.example.co.nz"}}, {host("mx.example.co.nz", {})}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"mx.no_usable_host", "mx.target_no_address"}));
}

TEST(MxCheck, OneOfTwoTargetsWithoutAddressWarns) {
  auto gone = host("gone.example.co.nz", {});
  gone.a = answer("gone.example.co.nz", rrtype::kA, Outcome::kNxDomain, Security::kSecure);
  gone.aaaa = answer("gone.example.co.nz", rrtype::kAaaa, Outcome::kNxDomain, Security::kSecure);
  auto r = mx_report(with_mx({{"10", "mx1.example.co.nz"}, {"20", "gone.example.co.nz"}},
                             {host("mx1.example.co.nz", {"192.0.2.1"}, {"2001:db8::1"}), gone}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.target_no_address"});
}

TEST(MxCheck, DuplicateHostAndEqualPreference) {
  auto r = mx_report(
      with_mx({{"10", "a.example.co.nz"}, {"10", "b.example.co.nz"}, {"20", "a.example.co.nz"}},
              {host("a.example.co.nz", {"192.0.2.1"}, {"2001:db8::1"}),
               host("b.example.co.nz", {"192.0.2.2"})}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"mx.duplicate_host", "mx.equal_preference"}));
}

TEST(MxCheck, IpLiteralExchangeFails) {
  auto lit = host("192.0.2.1", {});
  lit.ip_literal = true;
  lit.a = answer("192.0.2.1", rrtype::kA, Outcome::kNxDomain, Security::kSecure);
  lit.aaaa = answer("192.0.2.1", rrtype::kAaaa, Outcome::kNxDomain, Security::kSecure);
  auto r = mx_report(with_mx({{"10", "192.0.2.1"}}, {lit}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_TRUE(has(r, "mx.ip_literal"));
  EXPECT_TRUE(has(r, "mx.no_usable_host"));
}

TEST(MxCheck, NxDomainFails) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = answer("example.co.nz", rrtype::kMx, Outcome::kNxDomain, Security::kSecure);
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.nxdomain"});
}

TEST(MxCheck, ServFailIsUndetermined) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = answer("example.co.nz", rrtype::kMx, Outcome::kServFail, Security::kIndeterminate);
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.lookup_failed"});
}

TEST(MxCheck, TimeoutIsUndetermined) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = answer("example.co.nz", rrtype::kMx, Outcome::kTimeout, Security::kIndeterminate);
  EXPECT_EQ(mx_report(d).status, Status::kError);
}

TEST(MxCheck, BogusMxFails) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = answer("example.co.nz", rrtype::kMx, Outcome::kServFail, Security::kBogus);
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.lookup_failed"});
}

TEST(MxCheck, DomainAliasIsNoted) {
  auto d = with_mx({{"10", "mx1.example.co.nz"}},
                   {host("mx1.example.co.nz", {"192.0.2.1"}, {"2001:db8::1"})});
  d.mx.cname_chain.push_back({"example.co.nz", "target.example.net", 300});
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.domain_is_alias"});
}

TEST(MxCheck, ImplicitMxWithAFailedLookupIsUndetermined) {
  MxData d;
  d.domain = "example.co.nz";
  d.mx = nodata("example.co.nz", rrtype::kMx);
  d.implicit = true;
  auto h = host("example.co.nz", {});
  h.a = answer("example.co.nz", rrtype::kA, Outcome::kTimeout, Security::kIndeterminate);
  d.hosts.push_back(h);
  auto r = mx_report(d);
  EXPECT_EQ(r.status, Status::kError);  // a sender would retry, not bounce
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.target_lookup_failed"});
}

TEST(MxCheck, FailedHostLookupIsReported) {
  auto h = host("mx2.example.co.nz", {});
  h.a = answer(h.name, rrtype::kA, Outcome::kServFail, Security::kIndeterminate);
  h.aaaa = answer(h.name, rrtype::kAaaa, Outcome::kServFail, Security::kIndeterminate);
  auto r = mx_report(with_mx({{"10", "mx1.example.co.nz"}, {"20", "mx2.example.co.nz"}},
                             {host("mx1.example.co.nz", {"192.0.2.1"}, {"2001:db8::1"}), h}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.target_lookup_failed"});
}

TEST(MxCheck, OneAddressFamilyFailing) {
  auto h = host("mx1.example.co.nz", {"192.0.2.1"});
  h.aaaa = answer(h.name, rrtype::kAaaa, Outcome::kTimeout, Security::kIndeterminate);
  auto r = mx_report(with_mx({{"10", "mx1.example.co.nz"}}, {h}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"mx.no_ipv6", "mx.target_lookup_failed"}));
}

TEST(MxCheck, HostileMxRRsetIsBounded) {
  std::vector<std::vector<std::string>> rdata;
  for (int i = 0; i < 200; ++i)
    rdata.push_back({std::to_string(i), fmt::format("mx{}.example.co.nz", i)});
  auto d = with_mx(rdata, {});
  ASSERT_EQ(d.hosts.size(), kMaxMxHosts);
  EXPECT_EQ(d.hosts_skipped, 200 - kMaxMxHosts);
  EXPECT_EQ(d.hosts.front().name, "mx0.example.co.nz");  // the most preferred are kept
  auto r = mx_report(d);
  EXPECT_TRUE(has(r, "mx.too_many_hosts"));
  EXPECT_EQ(r.details["hosts_skipped"], 200 - kMaxMxHosts);
}

TEST(MxCheck, NoIpv6IsInformational) {
  auto r =
      mx_report(with_mx({{"10", "mx1.example.co.nz"}}, {host("mx1.example.co.nz", {"192.0.2.1"})}));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), std::vector<std::string>{"mx.no_ipv6"});
}

// A hostile zone can give MX hosts thousands of addresses: an audit probes a bounded few.
TEST(ProbePlan, AddressesPerHostAndPerAuditAreLimited) {
  std::vector<std::string> many_v4, many_v6;
  for (int i = 0; i < 120; ++i) {
    many_v4.push_back(fmt::format("192.0.2.{}", i));
    many_v6.push_back(fmt::format("2001:db8::{:x}", i));
  }
  MxData d;
  d.hosts.push_back(host("mx1.example.co.nz", many_v4, many_v6));
  d.hosts.push_back(host("mx2.example.co.nz", {"198.51.100.1", "198.51.100.1"}));
  std::vector<std::vector<std::string>> skipped;
  auto plan = probe_plan(d, skipped);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].size(), 2 * kProbesPerFamily);
  EXPECT_EQ(plan[0].front(), "192.0.2.0");
  EXPECT_EQ(skipped[0].size(), 240 - 2 * kProbesPerFamily);
  EXPECT_EQ(plan[1], std::vector<std::string>{"198.51.100.1"});  // duplicates once
  EXPECT_TRUE(skipped[1].empty());
  // Many hosts: the audit-wide budget runs out, in MX order.
  MxData wide;
  for (int i = 0; i < 20; ++i) {
    wide.hosts.push_back(host(fmt::format("mx{}.example.co.nz", i),
                              {fmt::format("192.0.2.{}", i), fmt::format("198.51.100.{}", i)}));
  }
  plan = probe_plan(wide, skipped);
  std::size_t probed = 0;
  for (const auto& p : plan) probed += p.size();
  EXPECT_EQ(probed, kProbesPerAudit);
  EXPECT_EQ(plan.front().size(), 2u);
  EXPECT_TRUE(plan.back().empty());
  EXPECT_EQ(skipped.back().size(), 2u);
}

}  // namespace
}  // namespace mc::checks
