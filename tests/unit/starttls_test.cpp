// starttls_test.cpp - evaluate_starttls on fixed probe results: version, suite and key-exchange
// judgements (the lab covers the server behaviours end to end).
#include "checks/starttls.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "test_certs.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;

TransportData one_session(int version, std::string cipher, std::string kex_type, int kex_bits) {
  net::ProbeResult p;
  p.target.host = "mx.example.co.nz";
  p.target.address = "192.0.2.1";
  p.connected = true;
  p.starttls_offered = p.starttls_accepted = true;
  net::TlsSession t;
  t.version = version;
  t.cipher = std::move(cipher);
  t.kex_type = std::move(kex_type);
  t.kex_bits = kex_bits;
  p.tls = t;
  TransportData d;
  d.hosts.push_back(HostTransport{"mx.example.co.nz", {}, {p}, {}});
  return d;
}

MxData mx() {
  MxData m;
  m.domain = "example.co.nz";
  return m;
}

TEST(Starttls, ModernSessionPasses) {
  auto r = starttls_report(one_session(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", "X25519", 253),
                           mx(), "", 0);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_TRUE(ids(r).empty());
}

TEST(Starttls, SmallDiffieHellmanIsWeak) {
  auto r = starttls_report(one_session(TLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256", "DH", 1024),
                           mx(), "", 0);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"starttls.weak_key_exchange"});
}

TEST(Starttls, OldProtocolAndStaticRsa) {
  auto r = starttls_report(one_session(TLS1_VERSION, "AES128-SHA", "", 0), mx(), "", 0);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"starttls.old_tls", "starttls.weak_cipher"}));
}

TEST(Starttls, ProtocolNamesAreOpenSsls) {
  EXPECT_EQ(net::protocol_name(TLS1_3_VERSION), "TLSv1.3");
  EXPECT_EQ(net::protocol_name(TLS1_2_VERSION), "TLSv1.2");
  EXPECT_EQ(net::protocol_name(TLS1_1_VERSION), "TLSv1.1");
  EXPECT_EQ(net::protocol_name(TLS1_VERSION), "TLSv1");
  EXPECT_EQ(net::protocol_name(SSL3_VERSION), "SSLv3");
  EXPECT_EQ(net::protocol_name(0), "unknown");
}

TEST(Starttls, KeyExchangeThresholds) {
  EXPECT_FALSE(weak_key_exchange("DH", 2048));
  EXPECT_TRUE(weak_key_exchange("DH", 1536));
  EXPECT_TRUE(weak_key_exchange("EC", 192));
  EXPECT_FALSE(weak_key_exchange("EC", 256));
  EXPECT_FALSE(weak_key_exchange("X25519", 253));
  EXPECT_FALSE(weak_key_exchange("", 0));
}

TEST(Starttls, WeakCipherNames) {
  EXPECT_TRUE(weak_cipher(TLS1_2_VERSION, "ECDHE-RSA-RC4-SHA"));
  EXPECT_TRUE(weak_cipher(TLS1_2_VERSION, "DES-CBC3-SHA"));
  EXPECT_FALSE(weak_cipher(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(weak_cipher(TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256"));
}

// ---- every finding of the area, from constructed probes and certificates made in memory ----

constexpr std::time_t kNow = 1796300000;  // 2026-12-03
constexpr std::time_t kDay = 86400;

struct Pki {
  test::Chain good = test::make_chain("mx.example.co.nz", kNow - kDay, kNow + 90 * kDay);
  test::Chain other = test::make_chain("other.example.net", kNow - kDay, kNow + 90 * kDay);
  test::Chain expired = test::make_chain("mx.example.co.nz", kNow - 90 * kDay, kNow - kDay);
  test::Chain expiring = test::make_chain("mx.example.co.nz", kNow - kDay, kNow + 3 * kDay);
  test::Chain rsa1024 = test::make_chain("mx.example.co.nz", kNow - kDay, kNow + 90 * kDay, 1024);
  test::Chain unknown_ca = test::make_chain("mx.example.co.nz", kNow - kDay, kNow + 90 * kDay);
  // One file per test process: ctest runs each test in a process of its own, each with new keys.
  std::string ca_file =
      ::testing::TempDir() + "starttls_test_ca." + std::to_string(::getpid()) + ".pem";
  ~Pki() { std::remove(ca_file.c_str()); }
  Pki() {
    std::ofstream out(ca_file);  // every CA but unknown_ca's
    for (const auto* c : {&good, &other, &expired, &expiring, &rsa1024}) out << c->ca_pem;
  }
};
const Pki& pki() {
  static const Pki p;
  return p;
}

net::ProbeResult tls_probe(const test::Chain& chain) {
  net::ProbeResult p = one_session(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", "X25519", 253)
                           .hosts.front()
                           .probes.front();
  p.tls->chain_der = chain.der;
  return p;
}

net::ProbeResult failed_at(net::ProbeStep step, std::string kind) {
  net::ProbeResult p;
  p.target.host = "mx.example.co.nz";
  p.target.address = "192.0.2.1";
  p.connected = step != net::ProbeStep::kConnect;
  p.failure = net::ProbeFailure{step, std::move(kind), "as the test says"};
  return p;
}

AreaReport judged(std::vector<net::ProbeResult> probes, TlsaState state = TlsaState::kAbsent,
                  std::vector<std::string> skipped = {}) {
  TransportData d;
  HostTransport h{"mx.example.co.nz", {}, std::move(probes), std::move(skipped)};
  h.tlsa.state = state;
  h.tlsa.reason = "the host's A lookup is bogus";
  d.hosts.push_back(h);
  return starttls_report(d, mx(), pki().ca_file, kNow);
}

TEST(StarttlsCheck, AValidCertificatePasses) {
  AreaReport r = judged({tls_probe(pki().good)});
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), std::vector<std::string>{});
  EXPECT_EQ(r.details["hosts"][0]["addresses"][0]["tls"]["version"], "TLSv1.3");
}

TEST(StarttlsCheck, CertificateProblems) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(judged({tls_probe(pki().unknown_ca)})), V{"starttls.cert_untrusted"});
  EXPECT_EQ(ids(judged({tls_probe(pki().other)})), V{"starttls.cert_name_mismatch"});
  EXPECT_EQ(ids(judged({tls_probe(pki().expired)})), V{"starttls.cert_expired"});
  AreaReport r = judged({tls_probe(pki().expiring)});
  EXPECT_EQ(ids(r), V{"starttls.cert_expiring"});
  EXPECT_EQ(ids(judged({tls_probe(pki().rsa1024)})), V{"starttls.weak_key"});
  // DANE senders do not need the web PKI: a warning, never a failure.
  EXPECT_EQ(judged({tls_probe(pki().unknown_ca)}).status, Status::kWarn);
}

TEST(StarttlsCheck, WhatTheServerSaysAroundTls) {
  net::ProbeResult p = tls_probe(pki().good);
  p.starttls_after_tls = true;
  EXPECT_EQ(ids(judged({p})), std::vector<std::string>{"starttls.listed_after_tls"});
  p = tls_probe(pki().good);
  p.bytes_after_starttls = 12;
  EXPECT_EQ(ids(judged({p})), std::vector<std::string>{"starttls.cleartext_after_starttls"});
}

TEST(StarttlsCheck, EveryStepAProbeCanFailAt) {
  const std::vector<std::pair<net::ProbeResult, std::string>> cases{
      {failed_at(net::ProbeStep::kConnect, "refused"), "starttls.connect_failed"},
      {failed_at(net::ProbeStep::kConnect, "blocked"), "starttls.address_not_public"},
      {failed_at(net::ProbeStep::kGreeting, "timeout"), "starttls.greeting_failed"},
      {failed_at(net::ProbeStep::kGreeting, "reset"), "starttls.connect_failed"},
      {failed_at(net::ProbeStep::kEhlo, "rejected"), "starttls.ehlo_failed"},
      {failed_at(net::ProbeStep::kStarttls, "not_offered"), "starttls.not_offered"},
      {failed_at(net::ProbeStep::kStarttls, "rejected"), "starttls.refused"},
      {failed_at(net::ProbeStep::kTlsHandshake, "tls"), "starttls.handshake_failed"},
      {failed_at(net::ProbeStep::kEhloAfterTls, "closed"), "starttls.ehlo_after_tls_failed"},
  };
  for (const auto& [probe, id] : cases) {
    AreaReport r = judged({probe});
    EXPECT_EQ(ids(r), std::vector<std::string>{id}) << id;
    EXPECT_FALSE(r.findings.empty() || r.findings[0].recommendation.empty()) << id;
  }
}

TEST(StarttlsCheck, UnvalidatedAddressesAndProbeLimits) {
  AreaReport r = judged({tls_probe(pki().good)}, TlsaState::kHostFailed);
  EXPECT_EQ(ids(r), std::vector<std::string>{"starttls.address_not_validated"});
  r = judged({tls_probe(pki().good)}, TlsaState::kAbsent, {"192.0.2.9"});
  EXPECT_EQ(ids(r), std::vector<std::string>{"starttls.probe_limit"});
  EXPECT_EQ(r.findings[0].evidence, std::vector<std::string>{"mx.example.co.nz [192.0.2.9]"});
}

}  // namespace
}  // namespace mc::checks
