// report_policy_test.cpp - TLS-RPT (RFC 8460 §3) and BIMI assertion records.
#include "policy/report_policy.hpp"

#include <gtest/gtest.h>

namespace mc::policy {
namespace {

TEST(TlsRpt, ValidRecords) {
  auto r = parse_tlsrpt("v=TLSRPTv1; rua=mailto:reports@example.com");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  ASSERT_EQ(r.record.rua.size(), 1u);
  r = parse_tlsrpt("v=TLSRPTv1;rua=mailto:a@example.com, https://reporting.example.com/v1;ext=1;");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.record.rua.size(), 2u);
  EXPECT_EQ(r.record.extensions, std::vector<std::string>{"ext"});
}

TEST(TlsRpt, InvalidRecords) {
  EXPECT_FALSE(is_tlsrpt_record("v=tlsrptv1; rua=mailto:a@example.com"));
  EXPECT_FALSE(parse_tlsrpt("v=TLSRPTv1").ok());                                // no rua
  EXPECT_FALSE(parse_tlsrpt("v=TLSRPTv1; rua=ftp://example.com/x").ok());       // scheme
  EXPECT_FALSE(parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com!10m").ok());  // no size suffix
  EXPECT_FALSE(parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@x.example; rua=mailto:b@x.example").ok());
  EXPECT_FALSE(parse_tlsrpt("rua=mailto:a@example.com; v=TLSRPTv1").ok());
}

TEST(Bimi, Records) {
  auto r = parse_bimi("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.record.certificate, "https://example.com/vmc.pem");
  r = parse_bimi("v=BIMI1; l=; a=;");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.record.declined);
  EXPECT_FALSE(parse_bimi("v=BIMI1; l=http://example.com/logo.svg").ok());
  EXPECT_FALSE(parse_bimi("v=BIMI1; l=https://example.com/logo.png").ok());
  EXPECT_FALSE(parse_bimi("v=BIMI1; a=https://example.com/vmc.pem").ok());  // l= missing
  EXPECT_FALSE(is_bimi_record("v=bimi1; l="));
}

}  // namespace
}  // namespace mc::policy
