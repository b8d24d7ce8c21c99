// starttls_test.cpp - evaluate_starttls on fixed probe results: version, suite and key-exchange
// judgements (the lab covers the server behaviours end to end).
#include "checks/starttls.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;

TransportData one_session(std::string version, std::string cipher, std::string kex_type,
                          int kex_bits) {
  net::ProbeResult p;
  p.target.host = "mx.example.co.nz";
  p.target.address = "192.0.2.1";
  p.connected = true;
  p.starttls_offered = p.starttls_accepted = true;
  net::TlsSession t;
  t.version = std::move(version);
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
  auto r =
      starttls_report(one_session("TLSv1.3", "TLS_AES_128_GCM_SHA256", "X25519", 253), mx(), "", 0);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_TRUE(ids(r).empty());
}

TEST(Starttls, SmallDiffieHellmanIsWeak) {
  auto r =
      starttls_report(one_session("TLSv1.2", "DHE-RSA-AES128-GCM-SHA256", "DH", 1024), mx(), "", 0);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), std::vector<std::string>{"starttls.weak_key_exchange"});
}

TEST(Starttls, OldProtocolAndStaticRsa) {
  auto r = starttls_report(one_session("TLSv1", "AES128-SHA", "", 0), mx(), "", 0);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"starttls.old_tls", "starttls.weak_cipher"}));
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
  EXPECT_TRUE(weak_cipher("TLSv1.2", "ECDHE-RSA-RC4-SHA"));
  EXPECT_TRUE(weak_cipher("TLSv1.2", "DES-CBC3-SHA"));
  EXPECT_FALSE(weak_cipher("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(weak_cipher("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"));
}

}  // namespace
}  // namespace mc::checks
