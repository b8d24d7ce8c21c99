// mta_sts_check_test.cpp - the mta_sts check's pure evaluation and view, from constructed TXT
// answers, policy fetches and SMTP probes, with certificates made in memory and a CA file of
// their own: every mta_sts finding id and every DNS state (secure, insecure, bogus, failed
// lookup). The policy parser is mta_sts_test.cpp; the lab fetches real policies over HTTPS.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "checks/mta_sts.hpp"
#include "test_certs.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;
using V = std::vector<std::string>;
constexpr std::time_t kNow = 1796300000;  // 2026-12-03
constexpr const char* kPolicy =
    "version: STSv1\nmode: enforce\nmx: mx.example.co.nz\nmax_age: 604800\n";

// Certificates for the policy host and the MX host, from one CA written to a file.
struct Pki {
  test::Chain web = test::make_chain("mta-sts.example.co.nz", kNow - 86400, kNow + 86400 * 90);
  test::Chain mx = test::make_chain("mx.example.co.nz", kNow - 86400, kNow + 86400 * 90);
  test::Chain wrong = test::make_chain("other.example.net", kNow - 86400, kNow + 86400 * 90);
  // One file per test process: ctest runs each test in a process of its own, each with new keys.
  std::string ca_file =
      ::testing::TempDir() + "mta_sts_check_ca." + std::to_string(::getpid()) + ".pem";
  ~Pki() { std::remove(ca_file.c_str()); }
  Pki() {
    std::ofstream out(ca_file);
    out << web.ca_pem << mx.ca_pem << wrong.ca_pem;
  }
};
const Pki& pki() {
  static const Pki p;
  return p;
}

net::HttpsResponse served(std::string body = kPolicy, int status = 200,
                          std::string type = "text/plain") {
  net::HttpsResponse r;
  r.request.address = "192.0.2.80";
  r.request.max_body = 65536;
  r.connected = true;
  r.tls_version = TLS1_3_VERSION;
  r.chain_der = pki().web.der;
  r.status = status;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

net::ProbeResult smtp(const test::Chain& chain, int version = TLS1_3_VERSION) {
  net::ProbeResult p;
  p.target.host = "mx.example.co.nz";
  p.target.address = "192.0.2.25";
  p.connected = p.starttls_offered = p.starttls_accepted = true;
  p.tls.emplace();
  p.tls->version = version;
  p.tls->chain_der = chain.der;
  return p;
}

struct Case {
  dns::Answer txt = test::txt("_mta-sts.example.co.nz", {"v=STSv1; id=20261203"});
  std::optional<net::HttpsResponse> fetch = served();
  std::vector<std::string> mx_hosts{"mx.example.co.nz"};
  std::vector<net::ProbeResult> probes{smtp(pki().mx)};
  TlsaState tlsa = TlsaState::kAbsent;

  AreaReport report() const {
    MtaStsData d;
    d.domain = "example.co.nz";
    d.policy_host = "mta-sts.example.co.nz";
    d.txt = txt;
    d.a = test::secure_data(d.policy_host, dns::rrtype::kA, {{"192.0.2.80"}});
    d.fetch = fetch;
    MxData mx;
    mx.domain = d.domain;
    TransportData transport;
    for (const auto& name : mx_hosts) {
      MxHost h;
      h.name = name;
      mx.entries.push_back({10, name});
      mx.hosts.push_back(h);
      HostTransport ht;
      ht.host = name;
      ht.tlsa.state = tlsa;
      ht.probes = probes;
      transport.hosts.push_back(ht);
    }
    if (mx_hosts.empty()) mx.entries.push_back({0, "."});
    return mta_sts_report(d, mx, transport, pki().ca_file, kNow);
  }
};

Case with_policy(const std::string& body) {
  Case c;
  c.fetch = served(body);
  return c;
}

TEST(MtaStsCheck, AnEnforcedPolicyWithValidHostsPasses) {
  for (auto security : {dns::Security::kSecure, dns::Security::kInsecure}) {
    Case c;
    c.txt = test::txt("_mta-sts.example.co.nz", {"v=STSv1; id=20261203"}, security);
    AreaReport r = c.report();
    EXPECT_EQ(r.status, Status::kPass) << testing::PrintToString(ids(r));
    EXPECT_EQ(ids(r), V{});
    EXPECT_EQ(r.details["mode"], "enforce");
    EXPECT_EQ(r.details["fetch"]["tls_version"], "TLSv1.3");
  }
}

TEST(MtaStsCheck, AFailedOrBogusLookupIsUndetermined) {
  Case c;
  c.txt = test::failed("_mta-sts.example.co.nz", dns::rrtype::kTxt, dns::Outcome::kServFail,
                       dns::Security::kBogus);
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(ids(r), V{"mta_sts.lookup_failed"});
}

TEST(MtaStsCheck, NoRecord) {
  Case c;
  c.txt = test::nodata("_mta-sts.example.co.nz", dns::rrtype::kTxt);
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"mta_sts.txt_missing"});  // a policy is served, never announced
  c.fetch = served("", 404);
  EXPECT_EQ(ids(c.report()), V{"mta_sts.none"});
  c.mx_hosts.clear();  // null MX: nothing to protect, nothing to advise
  EXPECT_EQ(ids(c.report()), V{});
}

TEST(MtaStsCheck, TheRecordItself) {
  Case c;
  c.txt = test::txt("_mta-sts.example.co.nz", {"v=STSv1; id=1", "v=STSv1; id=2"});
  EXPECT_EQ(ids(c.report()), V{"mta_sts.txt_multiple"});
  c.txt = test::txt("_mta-sts.example.co.nz", {"v=STSv1; id=not-valid!"});
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"mta_sts.txt_invalid"});
}

TEST(MtaStsCheck, PolicyFetchProblems) {
  Case c;
  c.fetch.reset();
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_unreachable"});
  c.fetch = served();
  c.fetch->failure = net::FetchFailure{net::FetchStep::kConnect, "blocked", "not public"};
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_host_not_public"});
  c.fetch = served();
  c.fetch->chain_der = pki().wrong.der;
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_cert_invalid"});
  c.fetch = served("", 301);
  c.fetch->location = "https://elsewhere.example/";
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_redirect"});
  c.fetch = served("", 500);
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_http_status"});
  c.fetch = served(kPolicy, 200, "text/html");
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_media_type"});
  c.fetch = served();
  c.fetch->failure = net::FetchFailure{net::FetchStep::kResponse, "too_large", "over 64 KiB"};
  EXPECT_EQ(ids(c.report()), V{"mta_sts.policy_too_large"});
  c.fetch = served("version: STSv1\nmode: sometimes\n");
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"mta_sts.policy_invalid"});
}

TEST(MtaStsCheck, ModeAndAge) {
  AreaReport r = with_policy("version: STSv1\nmode: none\nmax_age: 604800\n").report();
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"mta_sts.mode_none"});
  r = with_policy("version: STSv1\nmode: testing\nmx: mx.example.co.nz\nmax_age: 604800\n")
          .report();
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"mta_sts.testing_mode"});
  r = with_policy("version: STSv1\nmode: enforce\nmx: mx.example.co.nz\nmax_age: 3600\n").report();
  EXPECT_EQ(ids(r), V{"mta_sts.max_age_short"});
}

TEST(MtaStsCheck, PolicyOddities) {
  // §3.2: a duplicated mx line is harmless but worth saying.
  AreaReport r = with_policy(std::string(kPolicy) + "mx: mx.example.co.nz\n").report();
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"mta_sts.policy_warning"});
  r = with_policy(
          "version: STSv1\nmode: enforce\nmx: mx.example.co.nz\nmx: *.*.example.co.nz\n"
          "max_age: 604800\n")
          .report();
  EXPECT_EQ(ids(r), V{"mta_sts.mx_pattern_malformed"});
}

TEST(MtaStsCheck, MxHostsThatSendersRefuse) {
  Case c;
  c.mx_hosts = {"mx.example.co.nz", "backup.example.co.nz"};
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"mta_sts.mx_not_listed"});
  EXPECT_NE(r.findings[0].recommendation.find("mx: backup.example.co.nz"), std::string::npos);
  c = Case{};
  c.probes = {smtp(pki().wrong)};
  EXPECT_EQ(ids(c.report()), V{"mta_sts.mx_tls_invalid"});
  c.probes = {smtp(pki().mx, TLS1_1_VERSION)};
  r = c.report();
  EXPECT_EQ(ids(r), V{"mta_sts.mx_tls_invalid"});
  EXPECT_NE(r.findings[0].evidence[0].find("TLSv1.1 is older than TLS 1.2"), std::string::npos);
}

TEST(MtaStsCheck, InTestingModeTheSameProblemsAreReported) {
  Case c = with_policy("version: STSv1\nmode: testing\nmx: mx.example.co.nz\nmax_age: 604800\n");
  c.mx_hosts = {"mx.example.co.nz", "backup.example.co.nz"};
  c.probes = {smtp(pki().wrong)};
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (V{"mta_sts.testing_mode", "mta_sts.testing_mx_not_listed",
                       "mta_sts.testing_mx_tls_invalid"}));
}

TEST(MtaStsCheck, DaneTakesPrecedence) {
  Case c;
  c.tlsa = TlsaState::kUsable;
  AreaReport r = c.report();
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"mta_sts.dane_precedence"});
}

}  // namespace
}  // namespace mc::checks
