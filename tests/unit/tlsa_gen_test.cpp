// tlsa_gen_test.cpp - TLSA parameters (numbers or RFC 7218 names), owner names, and the errors
// for inputs that cannot give the asked record. Record data is cross-checked against
// hash-slinger and ldns-dane in tests/lab/tlsa_peers_test.py.
#include "tools/tlsa_gen.hpp"

#include <gtest/gtest.h>

namespace mc::tools {
namespace {

TEST(TlsaParams, NumbersAndNames) {
  auto p = parse_tlsa_params("3 1 1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->usage, 3);
  auto n = parse_tlsa_params("dane-ta spki sha2-512");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->usage, 2);
  EXPECT_EQ(n->selector, 1);
  EXPECT_EQ(n->matching_type, 2);
  auto mixed = parse_tlsa_params("PKIX-EE 0 Full");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->usage, 1);
  EXPECT_EQ(mixed->selector, 0);
  EXPECT_EQ(mixed->matching_type, 0);
}

TEST(TlsaParams, Errors) {
  EXPECT_FALSE(parse_tlsa_params("3 1"));
  EXPECT_FALSE(parse_tlsa_params("4 1 1"));
  EXPECT_FALSE(parse_tlsa_params("3 2 1"));
  EXPECT_FALSE(parse_tlsa_params("3 1 SHA1"));
  EXPECT_NE(parse_tlsa_params("DANE-XX SPKI SHA2-256").error().message.find("not a TLSA usage"),
            std::string::npos);
}

TEST(TlsaOwner, PortProtocolHost) {
  EXPECT_EQ(tlsa_owner("mail.example.co.nz", 25, "tcp"), "_25._tcp.mail.example.co.nz.");
  EXPECT_EQ(tlsa_owner("www.example.nz", 443, "udp"), "_443._udp.www.example.nz.");
}

TEST(MakeTlsa, KeyOnlyAllowsSpkiOfTheEndEntity) {
  TlsaInput key_only;
  key_only.key_spki_der = std::string("\x30\x03\x02\x01\x01", 5);
  auto ee = make_tlsa(key_only, {3, 1, 0});
  ASSERT_TRUE(ee);
  EXPECT_EQ(ee->data_hex(), "3003020101");  // selector 1, Full: the SPKI itself
  EXPECT_EQ(make_tlsa(key_only, {3, 1, 1})->data.size(), 32u);
  EXPECT_EQ(make_tlsa(key_only, {3, 1, 2})->data.size(), 64u);
  EXPECT_FALSE(make_tlsa(key_only, {3, 0, 1}));  // a key has no certificate
  EXPECT_FALSE(make_tlsa(key_only, {2, 1, 1}));  // no CA certificate
}

TEST(LoadTlsaInput, MissingFileIsNotFound) {
  auto r = load_tlsa_input("/nonexistent/cert.pem");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace mc::tools
