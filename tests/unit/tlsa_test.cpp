// tlsa_test.cpp - TLSA parsing, RFC 7218 names and SMTP usability (RFC 7672 §3.1.3).
#include "policy/tlsa.hpp"

#include <gtest/gtest.h>

namespace mc::policy {
namespace {

const std::string k32 = std::string(64, 'a');   // 32 octets
const std::string k64 = std::string(128, 'B');  // 64 octets

TlsaRecord parse(std::string u, std::string s, std::string m, std::string h) {
  auto r = parse_tlsa(u, s, m, h);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : TlsaRecord{};
}

TEST(Tlsa, ParsesPresentationFields) {
  auto r = parse("3", "1", "1", k32);
  EXPECT_EQ(r.usage, 3);
  EXPECT_EQ(r.selector, 1);
  EXPECT_EQ(r.matching_type, 1);
  EXPECT_EQ(r.data.size(), 32u);
  EXPECT_EQ(r.text(), "3 1 1 " + k32);
  EXPECT_EQ(r.mnemonic(), "DANE-EE SPKI SHA2-256");
}

TEST(Tlsa, HexIsCaseInsensitiveAndMayHoldSpaces) {
  auto r = parse("2", "0", "2", k64.substr(0, 64) + " " + k64.substr(64));
  EXPECT_EQ(r.data.size(), 64u);
  EXPECT_EQ(r.data_hex(), std::string(128, 'b'));
  EXPECT_EQ(r.mnemonic(), "DANE-TA Cert SHA2-512");
}

TEST(Tlsa, SyntaxErrorsFail) {
  EXPECT_FALSE(parse_tlsa("x", "1", "1", k32));
  EXPECT_FALSE(parse_tlsa("256", "1", "1", k32));
  EXPECT_FALSE(parse_tlsa("3", "", "1", k32));
  EXPECT_FALSE(parse_tlsa("3", "1", "1", "abc"));  // odd length
  EXPECT_FALSE(parse_tlsa("3", "1", "1", "zz"));   // not hex
  EXPECT_FALSE(parse_tlsa("3", "-1", "1", k32));
}

TEST(Tlsa, SmtpUsability) {
  EXPECT_EQ(smtp_usability(parse("3", "1", "1", k32)), TlsaUsability::kUsable);
  EXPECT_EQ(smtp_usability(parse("2", "1", "2", k64)), TlsaUsability::kUsable);
  EXPECT_EQ(smtp_usability(parse("3", "0", "0", "3082")), TlsaUsability::kUsable);
  EXPECT_EQ(smtp_usability(parse("0", "1", "1", k32)), TlsaUsability::kPkixUsage);
  EXPECT_EQ(smtp_usability(parse("1", "1", "1", k32)), TlsaUsability::kPkixUsage);
  EXPECT_EQ(smtp_usability(parse("5", "1", "1", k32)), TlsaUsability::kUnknownUsage);
  EXPECT_EQ(smtp_usability(parse("3", "2", "1", k32)), TlsaUsability::kUnknownSelector);
  EXPECT_EQ(smtp_usability(parse("3", "1", "3", k32)), TlsaUsability::kUnknownMatchingType);
  EXPECT_EQ(smtp_usability(parse("3", "1", "1", k32.substr(0, 32))),
            TlsaUsability::kBadDigestLength);
  EXPECT_EQ(smtp_usability(parse("3", "1", "2", k32)), TlsaUsability::kBadDigestLength);
  EXPECT_EQ(smtp_usability(parse("3", "1", "0", "")), TlsaUsability::kEmptyData);
}

TEST(Tlsa, Rfc7218NamesForPrivateAndUnknownValues) {
  EXPECT_EQ(usage_name(255), "PrivCert");
  EXPECT_EQ(selector_name(255), "PrivSel");
  EXPECT_EQ(matching_name(255), "PrivMatch");
  EXPECT_EQ(usage_name(7), "unassigned-usage");
}

}  // namespace
}  // namespace mc::policy
