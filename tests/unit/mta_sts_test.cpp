// mta_sts_test.cpp - the _mta-sts TXT record, the policy file and MX patterns (RFC 8461 §3-§4).
#include "policy/mta_sts.hpp"

#include <gtest/gtest.h>

namespace mc::policy::mta_sts {
namespace {

TEST(MtaStsTxt, Records) {
  auto r = parse_txt("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.record.id, "20160831085700Z");
  r = parse_txt("v=STSv1 ;id=abc ; ext.a-b_c=x/y:z");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.record.extensions, std::vector<std::string>{"ext.a-b_c"});
  EXPECT_FALSE(is_sts_record("v=STSv1"));        // a field is required
  EXPECT_FALSE(is_sts_record("v=stsv1; id=1"));  // case-sensitive
  EXPECT_FALSE(is_sts_record("v=STSv10; id=1"));
  EXPECT_FALSE(parse_txt("v=STSv1; id=bad-id!").ok());
  EXPECT_FALSE(parse_txt("v=STSv1; id=" + std::string(33, 'a')).ok());
  EXPECT_FALSE(parse_txt("v=STSv1; x=1").ok());  // no id
  EXPECT_FALSE(parse_txt("v=STSv1; id=1; id=2").ok());
  EXPECT_FALSE(parse_txt("v=STSv1; id=1; -bad=1").ok());
}

TEST(MtaStsPolicy, Rfc8461Example) {
  auto r = parse_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.policy.mode, Mode::kEnforce);
  EXPECT_EQ(r.policy.max_age, 604800u);
  EXPECT_EQ(r.policy.mx.size(), 3u);
  EXPECT_TRUE(r.policy.crlf);
}

TEST(MtaStsPolicy, LfAndUnknownKeys) {
  auto r =
      parse_policy("version: STSv1\nmode:testing\nmx:MX.Example.com\nmax_age:86400\nfoo: bar\n");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_FALSE(r.policy.crlf);
  EXPECT_EQ(r.policy.mx, std::vector<std::string>{"mx.example.com"});
  EXPECT_EQ(r.policy.extensions, std::vector<std::string>{"foo"});
}

TEST(MtaStsPolicy, Errors) {
  EXPECT_FALSE(parse_policy("mode: enforce\nmx: a.example\nmax_age: 1\n").ok());  // no version
  EXPECT_FALSE(parse_policy("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmax_age: 1\n").ok());  // no mx
  EXPECT_FALSE(
      parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n").ok());
  // An mx line that is not §3.2 syntax does not void the policy: it is kept apart and matches
  // nothing (the strictest senders' reading).
  auto mid = parse_policy("version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n");
  EXPECT_TRUE(mid.ok());
  EXPECT_TRUE(mid.policy.mx.empty());
  ASSERT_EQ(mid.policy.mx_malformed.size(), 1u);
  EXPECT_EQ(mid.policy.mx_malformed[0].line, 3u);
  EXPECT_EQ(mid.warnings.size(), 1u);
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx a.example\nmax_age: 1\n").ok());
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: none\nmax_age: 1\n").ok());  // none needs no mx
  auto r =
      parse_policy("version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 1\n");
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].line, 3u);
  EXPECT_EQ(r.policy.mode, Mode::kEnforce);  // the first one
}

TEST(MtaStsPolicy, MxPatterns) {
  EXPECT_TRUE(mx_matches("mail.example.com", "MAIL.example.com."));
  // Not §3.2 syntax: no match for strict senders; lenient ones normalise.
  EXPECT_FALSE(mx_matches("mail.example.com.", "mail.example.com"));
  EXPECT_FALSE(mx_matches("mail..example.com", "mail.example.com"));
  EXPECT_FALSE(mx_matches("mx.*.example.com", "mx.a.example.com"));
  EXPECT_TRUE(mx_matches_lenient("mail.example.com.", "mail.example.com"));
  EXPECT_TRUE(mx_matches_lenient("mail..example.com", "mail.example.com"));
  EXPECT_TRUE(mx_matches_lenient("mx.*.example.com", "mx.a.example.com"));
  EXPECT_FALSE(mx_matches_lenient("mx.*.example.com", "mx.example.com"));
  EXPECT_EQ(corrected_pattern("Mail.Example.com."), "mail.example.com");
  EXPECT_EQ(corrected_pattern("*.example..com"), "*.example.com");
  EXPECT_EQ(corrected_pattern("mx.*.example.com"), "");
  EXPECT_TRUE(mx_matches("*.example.com", "mx1.example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "a.b.example.com"));  // one label only (§4.1)
  EXPECT_FALSE(mx_matches("*.example.com", "xexample.com"));
  EXPECT_FALSE(mx_matches("mail.example.com", "mail.example.net"));
}

}  // namespace
}  // namespace mc::policy::mta_sts
