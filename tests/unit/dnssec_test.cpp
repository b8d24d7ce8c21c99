// dnssec_test.cpp - evaluate_dnssec on fixed answers.
#include "checks/dnssec.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

ZoneData signed_zone(int algorithm = 13, std::string nsec3 = "") {
  ZoneData z;
  z.domain = "example.co.nz";
  z.dnskey = secure_data("example.co.nz", rrtype::kDnskey,
                         {{"257", "3", std::to_string(algorithm), "AwEAAQ=="},
                          {"256", "3", std::to_string(algorithm), "AwEAAg=="}});
  z.ds = secure_data("example.co.nz", rrtype::kDs,
                     {{"12345", std::to_string(algorithm), "2", "ABCD"}});
  z.nsec3param = nsec3.empty() ? nodata("example.co.nz", rrtype::kNsec3param)
                               : secure_data("example.co.nz", rrtype::kNsec3param,
                                             {{"1", "0", nsec3.substr(0, nsec3.find(' ')),
                                               nsec3.substr(nsec3.find(' ') + 1)}});
  return z;
}

MxData mx_with_host(Security host_security) {
  MxData m;
  m.domain = "example.co.nz";
  m.mx = secure_data("example.co.nz", rrtype::kMx, {{"10", "mx.example.net"}});
  derive_mx_entries(m);
  auto& h = m.hosts.at(0);
  if (host_security == Security::kBogus) {
    h.a = answer(h.name, rrtype::kA, Outcome::kServFail, Security::kBogus);
    h.aaaa = answer(h.name, rrtype::kAaaa, Outcome::kServFail, Security::kBogus);
  } else if (host_security == Security::kIndeterminate) {
    h.a = answer(h.name, rrtype::kA, Outcome::kTimeout, Security::kIndeterminate);
    h.aaaa = answer(h.name, rrtype::kAaaa, Outcome::kTimeout, Security::kIndeterminate);
  } else {
    h.a = answer(h.name, rrtype::kA, Outcome::kData, host_security,
                 {test::rr(h.name, rrtype::kA, {"192.0.2.1"})});
    h.aaaa = nodata(h.name, rrtype::kAaaa, host_security);
  }
  return m;
}

TEST(DnssecCheck, SignedDomainWithSecureHostsPasses) {
  auto r = dnssec_report(signed_zone(), mx_with_host(Security::kSecure));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_TRUE(ids(r).empty());
  EXPECT_EQ(r.details["algorithms"][0]["name"], "ECDSAP256SHA256");
}

TEST(DnssecCheck, UnsignedDomainIsNone) {
  ZoneData z;
  z.domain = "example.co.nz";
  z.dnskey = nodata("example.co.nz", rrtype::kDnskey, Security::kInsecure);
  z.ds = nodata("example.co.nz", rrtype::kDs, Security::kInsecure);
  z.nsec3param = nodata("example.co.nz", rrtype::kNsec3param, Security::kInsecure);
  auto m = mx_with_host(Security::kInsecure);
  m.mx.security = Security::kInsecure;
  auto r = dnssec_report(z, m);
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.unsigned"});
}

TEST(DnssecCheck, UnsupportedAlgorithmIsNotCalledUnsigned) {
  ZoneData z = signed_zone(12);  // GOST: validators drop it, so the zone validates as insecure
  z.dnskey.security = Security::kInsecure;
  auto m = mx_with_host(Security::kInsecure);
  m.mx.security = Security::kInsecure;
  auto r = dnssec_report(z, m);
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.unsupported_algorithm"});
}

TEST(DnssecCheck, SecureNxDomainIsNone) {
  ZoneData z = signed_zone();
  z.dnskey = answer("example.co.nz", rrtype::kDnskey, Outcome::kNxDomain, Security::kSecure);
  MxData m;
  m.domain = "example.co.nz";
  m.mx = answer("example.co.nz", rrtype::kMx, Outcome::kNxDomain, Security::kSecure);
  auto r = dnssec_report(z, m);
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_TRUE(ids(r).empty());
}

TEST(DnssecCheck, SignedDomainWithInsecureMxAnswerWarns) {
  auto m = mx_with_host(Security::kSecure);
  m.mx.security = Security::kInsecure;  // e.g. a CNAME into an unsigned zone
  auto r = dnssec_report(signed_zone(), m);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.mx_insecure"});
}

TEST(DnssecCheck, BogusDomainFails) {
  ZoneData z = signed_zone();
  z.dnskey = answer("example.co.nz", rrtype::kDnskey, Outcome::kServFail, Security::kBogus);
  auto m = mx_with_host(Security::kSecure);
  m.mx = answer("example.co.nz", rrtype::kMx, Outcome::kServFail, Security::kBogus);
  auto r = dnssec_report(z, m);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.bogus"});
  EXPECT_NE(r.findings[0].summary.find("signature expired"), std::string::npos);
}

TEST(DnssecCheck, BogusMxHostFails) {
  auto r = dnssec_report(signed_zone(), mx_with_host(Security::kBogus));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.mx_host_bogus"});
}

TEST(DnssecCheck, InsecureMxHostWarns) {
  auto r = dnssec_report(signed_zone(), mx_with_host(Security::kInsecure));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.mx_host_insecure"});
}

TEST(DnssecCheck, UndeterminedHostIsError) {
  auto r = dnssec_report(signed_zone(), mx_with_host(Security::kIndeterminate));
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.indeterminate"});
}

TEST(DnssecCheck, ServFailDomainIsError) {
  ZoneData z = signed_zone();
  z.dnskey = answer("example.co.nz", rrtype::kDnskey, Outcome::kServFail, Security::kIndeterminate);
  MxData m;
  m.domain = "example.co.nz";
  m.mx = answer("example.co.nz", rrtype::kMx, Outcome::kServFail, Security::kIndeterminate);
  auto r = dnssec_report(z, m);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.indeterminate"});
}

TEST(DnssecCheck, DeprecatedAlgorithmWarns) {
  auto r = dnssec_report(signed_zone(5), mx_with_host(Security::kSecure));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.algorithm_deprecated"});
}

TEST(DnssecCheck, Nsec3IterationsAndSalt) {
  auto r = dnssec_report(signed_zone(13, "10 AABBCCDD"), mx_with_host(Security::kSecure));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"dnssec.nsec3_iterations", "dnssec.nsec3_salt"}));
  EXPECT_EQ(r.details["nsec3"]["iterations"], 10);
}

TEST(DnssecCheck, Nsec3ZeroIterationsIsFine) {
  auto r = dnssec_report(signed_zone(13, "0 -"), mx_with_host(Security::kSecure));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_TRUE(ids(r).empty());
}

TEST(DnssecCheck, Sha1OnlyDsWarns) {
  auto z = signed_zone();
  z.ds = secure_data("example.co.nz", rrtype::kDs, {{"12345", "13", "1", "ABCD"}});
  auto r = dnssec_report(z, mx_with_host(Security::kSecure));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"dnssec.ds_sha1_only"});
}

TEST(DnssecCombine, WorstStateWins) {
  EXPECT_EQ(combine(Security::kSecure, Security::kInsecure), Security::kInsecure);
  EXPECT_EQ(combine(Security::kBogus, Security::kInsecure), Security::kBogus);
  EXPECT_EQ(combine(Security::kSecure, Security::kIndeterminate), Security::kIndeterminate);
  EXPECT_EQ(combine(Security::kSecure, Security::kSecure), Security::kSecure);
}

}  // namespace
}  // namespace mc::checks
