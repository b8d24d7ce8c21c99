// dane_test.cpp - the dane check's pure evaluation, view and rollover advice, from constructed
// TLSA searches and probes (chains made in memory, records computed from them): every dane
// finding id and every DNS state (secure, insecure, bogus, failed lookup). OpenSSL's DANE
// verification itself runs in the lab (lab/expect/transport.tsv).
#include "checks/dane.hpp"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include "test_certs.hpp"
#include "test_support.hpp"
#include "tools/tlsa_gen.hpp"

namespace mc::checks {
namespace {

using test::ids;
using V = std::vector<std::string>;
constexpr std::time_t kNow = 1796300000;  // 2026-12-03

const test::Chain& chain() {
  static const test::Chain c = test::make_chain("mx.example.co.nz", kNow - 86400, kNow + 86400);
  return c;
}
const test::Chain& other_chain() {
  static const test::Chain c = test::make_chain("mx.example.co.nz", kNow - 86400, kNow + 86400);
  return c;
}

TlsaEntry entry(const test::Chain& c, int usage, int selector = 1, int matching = 1) {
  auto rec = tools::make_tlsa(tools::TlsaInput{c.der, {}}, {static_cast<std::uint8_t>(usage),
                                                            static_cast<std::uint8_t>(selector),
                                                            static_cast<std::uint8_t>(matching)});
  EXPECT_TRUE(rec);
  TlsaEntry e;
  e.text = rec->text();
  e.record = *rec;
  e.usability = policy::smtp_usability(*rec);
  if (!e.usable()) e.problem = std::string(policy::to_string(e.usability));
  return e;
}

// probe - one address that completed TLS with the live chain; authenticated as OpenSSL's DANE
// verifier would say.
net::ProbeResult probe(bool authenticated, long verify_error = 0) {
  net::ProbeResult p;
  p.target.host = "mx.example.co.nz";
  p.target.address = "192.0.2.25";
  p.connected = p.starttls_offered = p.starttls_accepted = true;
  p.tls.emplace();
  p.tls->version = 0x0304;
  p.tls->chain_der = chain().der;
  p.tls->dane.enabled = true;
  p.tls->dane.authenticated = authenticated;
  p.tls->dane.verify_error = verify_error;
  if (!authenticated) p.tls->dane.error = "no TLSA record matched";
  return p;
}

net::ProbeResult no_tls() {
  net::ProbeResult p;
  p.target.address = "192.0.2.25";
  p.connected = true;
  p.failure = net::ProbeFailure{net::ProbeStep::kEhlo, "protocol", "no STARTTLS offered"};
  return p;
}

HostTransport host(TlsaState state, std::vector<TlsaEntry> entries,
                   std::vector<net::ProbeResult> probes,
                   const std::string& name = "mx.example.co.nz") {
  HostTransport h;
  h.host = name;
  h.tlsa.state = state;
  h.tlsa.reason = std::string(to_string(state));
  h.tlsa.base_domain = name;
  h.tlsa.entries = std::move(entries);
  h.tlsa.answer = test::nodata("_25._tcp." + name, dns::rrtype::kTlsa);
  h.probes = std::move(probes);
  return h;
}

MxData mx(dns::Security security = dns::Security::kSecure) {
  MxData m;
  m.domain = "example.co.nz";
  m.mx = test::answer("example.co.nz", dns::rrtype::kMx, dns::Outcome::kData, security,
                      {test::rr("example.co.nz", dns::rrtype::kMx, {"10", "mx.example.co.nz"})});
  return m;
}

AreaReport report(std::vector<HostTransport> hosts, MxData m = mx(), bool mx_secure = true) {
  TransportData t;
  t.mx_secure = mx_secure;
  t.hosts = std::move(hosts);
  return dane_report(t, m);
}

TEST(DaneCheck, CurrentAndNextKeyAuthenticatesAndIsReadyForARollover) {
  AreaReport r = report(
      {host(TlsaState::kUsable, {entry(chain(), 3), entry(other_chain(), 3)}, {probe(true)})});
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{});
  EXPECT_EQ(r.summary, "DANE authenticates all 1 MX host(s)");
  ASSERT_EQ(r.advisories.size(), 1u);
  EXPECT_EQ(r.advisories[0].status, "ready");
  EXPECT_EQ(r.details["hosts"][0]["rollover"]["scheme"], "current + next");
  EXPECT_EQ(r.details["hosts"][0]["verdict"], "deliver_authenticated");
}

TEST(DaneCheck, EeWithTaIsReadyAndASingleRecordIsNot) {
  AreaReport r =
      report({host(TlsaState::kUsable, {entry(chain(), 3), entry(chain(), 2)}, {probe(true)})});
  EXPECT_EQ(ids(r), V{});
  EXPECT_EQ(r.details["hosts"][0]["rollover"]["scheme"], "DANE-EE + DANE-TA");
  r = report({host(TlsaState::kUsable, {entry(chain(), 3)}, {probe(true)})});
  EXPECT_EQ(r.status, Status::kPass);  // advice about the next change, not today's verdict
  EXPECT_EQ(ids(r), V{"dane.rollover_single"});
  EXPECT_EQ(r.advisories[0].status, "not_ready");
  EXPECT_NE(r.findings[0].recommendation.find("IN TLSA 3 1 1 "), std::string::npos);
  EXPECT_NE(r.findings[0].recommendation.find("IN TLSA 2 1 1 "), std::string::npos);
}

TEST(DaneCheck, NoTlsaUnderDnssecSaysWhatToPublish) {
  AreaReport r = report({host(TlsaState::kAbsent, {}, {probe(false)})});
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"dane.not_deployed"});
  EXPECT_EQ(r.summary, "no TLSA records (DNSSEC is ready for them)");
  EXPECT_NE(r.findings[0].recommendation.find("_25._tcp.mx.example.co.nz. 3600 IN TLSA 3 1 1"),
            std::string::npos);
  // Without a secure MX RRset there is nothing to advise.
  EXPECT_EQ(ids(report({host(TlsaState::kNotApplicable, {}, {probe(false)})}, mx(), false)), V{});
}

TEST(DaneCheck, FailedLookupsDefer) {
  AreaReport r = report({host(TlsaState::kFailed, {}, {probe(false)})});
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dane.tlsa_lookup_failed"});
  EXPECT_EQ(r.summary, "a DANE sender would defer mail to 1 of 1 MX host(s)");
  r = report({host(TlsaState::kHostFailed, {}, {probe(false)})});
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dane.host_lookup_failed"});
}

TEST(DaneCheck, BogusMxRecordsDeferEverything) {
  AreaReport r = report({}, mx(dns::Security::kBogus));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dane.mx_bogus"});
}

TEST(DaneCheck, AFailedMxLookupIsUndetermined) {
  MxData m = mx();
  m.mx = test::failed("example.co.nz", dns::rrtype::kMx, dns::Outcome::kTimeout);
  AreaReport r = report({}, m);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.summary, "not determined: the MX lookup failed (timeout)");
}

TEST(DaneCheck, UsableRecordsThatDoNotAuthenticate) {
  AreaReport r = report({host(TlsaState::kUsable, {entry(other_chain(), 3)}, {probe(false)})});
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dane.mismatch"});
  r = report({host(TlsaState::kUsable, {entry(chain(), 2)},
                   {probe(false, X509_V_ERR_HOSTNAME_MISMATCH)})});
  EXPECT_EQ(ids(r), V{"dane.name_mismatch"});
  r = report({host(TlsaState::kUsable, {entry(chain(), 3)}, {no_tls()})});
  EXPECT_EQ(ids(r), V{"dane.no_tls"});
  EXPECT_EQ(r.details["hosts"][0]["verdict"], "defer");
}

TEST(DaneCheck, UnusableRecords) {
  // PKIX usages (0, 1) do not apply to SMTP (RFC 7672 §3.1.3).
  AreaReport r = report({host(TlsaState::kAllUnusable, {entry(chain(), 1)}, {probe(false)})});
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dane.only_unusable"});
  r = report({host(TlsaState::kUsable, {entry(chain(), 3), entry(chain(), 2), entry(chain(), 1)},
                   {probe(true)})});
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"dane.unusable_records"});
}

TEST(DaneCheck, UnprotectedRecordsAreIgnored) {
  HostTransport h = host(TlsaState::kInsecure, {entry(chain(), 3)}, {probe(false)});
  h.tlsa.answer = test::answer("_25._tcp.mx.example.co.nz", dns::rrtype::kTlsa, dns::Outcome::kData,
                               dns::Security::kInsecure);
  AreaReport r = report({h}, mx(), false);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"dane.tlsa_insecure"});
}

TEST(DaneCheck, SecureHostsBehindInsecureMxRecords) {
  HostTransport h = host(TlsaState::kUsable, {entry(chain(), 3), entry(chain(), 2)}, {probe(true)});
  h.tlsa.insecure_mx = true;
  AreaReport r = report({h}, mx(dns::Security::kInsecure), false);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"dane.mx_insecure"});
}

TEST(DaneCheck, SomeHostsWithoutDane) {
  AreaReport r =
      report({host(TlsaState::kUsable, {entry(chain(), 3), entry(chain(), 2)}, {probe(true)}),
              host(TlsaState::kAbsent, {}, {probe(false)}, "mx2.example.co.nz")});
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"dane.partial"});
  EXPECT_EQ(r.summary, "DANE authenticates 1 of 2 MX host(s)");
}

}  // namespace
}  // namespace mc::checks
