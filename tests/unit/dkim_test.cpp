// dkim_test.cpp - DKIM key records: tags (RFC 6376 §3.6.1), key decoding, RFC 8301 and RFC 8463.
#include "policy/dkim.hpp"

#include <gtest/gtest.h>

namespace mc::policy::dkim {
namespace {

// Public keys only (generated for these tests).
const std::string kRsa1024 =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCaBlFioSV6DksKPjfW1InkNfyWH4LJ9jagW5CjoMinybx4essNfK"
    "pokCW01t2KyWcDbacEFRSO8XYgNHxcVz7EBmwx6ycqMr7mtcR2Nmxii738goCQJC6LqsgyowIG4qN0gpGwVMpNWN9S"
    "Rv8THo9Y4hfwV22wKjSkgvR1IPZXLwIDAQAB";
const std::string kEd25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";  // RFC 8463 §A.2

TEST(Dkim, RsaKey) {
  auto r = parse_dkim_key("v=DKIM1; k=rsa; p=" + kRsa1024);
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_TRUE(r.is_key_record);
  EXPECT_EQ(r.key.type, KeyType::kRsa);
  EXPECT_EQ(r.key.bits, 1024);
  EXPECT_EQ(r.key.format, "SubjectPublicKeyInfo");
  EXPECT_TRUE(r.key.sha256_allowed());
  EXPECT_TRUE(r.key.for_email());
}

TEST(Dkim, Rfc8463Ed25519Key) {
  auto r = parse_dkim_key("v=DKIM1; k=ed25519; p=" + kEd25519);
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.key.type, KeyType::kEd25519);
  EXPECT_EQ(r.key.bits, 256);
  EXPECT_FALSE(parse_dkim_key("k=ed25519; p=" + kRsa1024).ok());  // not 32 octets
}

TEST(Dkim, WhitespaceAndDefaults) {
  auto r = parse_dkim_key(" p = " + kRsa1024.substr(0, 40) + " \t" + kRsa1024.substr(40) + " ; ");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_FALSE(r.key.has_version);
  EXPECT_EQ(r.key.k, "rsa");
}

TEST(Dkim, RevokedAndFlags) {
  auto r = parse_dkim_key("v=DKIM1; p=");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.key.revoked);
  r = parse_dkim_key("v=DKIM1; t=y:s; h=sha1; s=xmpp; p=" + kRsa1024);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.key.testing());
  EXPECT_TRUE(r.key.strict());
  EXPECT_FALSE(r.key.sha256_allowed());
  EXPECT_FALSE(r.key.for_email());
  EXPECT_TRUE(parse_dkim_key("h=sha1:sha256; p=" + kRsa1024).key.sha256_allowed());
}

TEST(Dkim, Errors) {
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; k=rsa").is_key_record);  // no p=
  EXPECT_FALSE(parse_dkim_key("google-site-verification=abc").is_key_record);
  EXPECT_FALSE(parse_dkim_key("v=DKIM2; p=" + kRsa1024).ok());
  EXPECT_FALSE(parse_dkim_key("k=rsa; v=DKIM1; p=" + kRsa1024).ok());  // v not first
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; p=" + kRsa1024 + "; p=" + kRsa1024).ok());
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; k=dsa; p=" + kRsa1024).ok());
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; p=MIIB!!").ok());
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; p=SGVsbG8=").ok());  // base64, not a key
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; k=rsa; p=" + kEd25519).ok());
}

}  // namespace
}  // namespace mc::policy::dkim
