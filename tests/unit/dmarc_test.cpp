// dmarc_test.cpp - DMARC record recognition and tag parsing (RFC 7489 §6.3-§6.4, DMARCbis tags).
#include "policy/dmarc.hpp"

#include <gtest/gtest.h>

namespace mc::policy::dmarc {
namespace {

TEST(Dmarc, Recognition) {
  EXPECT_TRUE(is_dmarc_record("v=DMARC1; p=none"));
  EXPECT_TRUE(is_dmarc_record("v = DMARC1 ;p=none"));
  EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
  EXPECT_FALSE(is_dmarc_record("v=dmarc1; p=none"));  // the value is case-sensitive
  EXPECT_FALSE(is_dmarc_record("p=reject; v=DMARC1"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
}

TEST(Dmarc, AllTags) {
  auto r = parse_dmarc(
      "v=DMARC1; p=Reject; sp=quarantine; np=reject; adkim=s; aspf=R; fo=0:d:s; pct=20; "
      "rf=afrf; ri=3600; rua=mailto:a@example.com!10m, mailto:b@example.net; "
      "ruf=mailto:f@example.com; psd=n; t=y; future=1;");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front().message;
  const auto& x = r.record;
  EXPECT_EQ(x.p, Policy::kReject);
  EXPECT_EQ(x.sp, Policy::kQuarantine);
  EXPECT_EQ(x.np, Policy::kReject);
  EXPECT_EQ(x.adkim, 's');
  EXPECT_EQ(x.aspf, 'r');
  EXPECT_EQ(x.pct, 20);
  EXPECT_EQ(x.ri, 3600u);
  ASSERT_EQ(x.rua.size(), 2u);
  EXPECT_EQ(x.rua[0].host, "example.com");
  EXPECT_EQ(x.rua[0].max_size, 10u << 20);
  EXPECT_EQ(x.rua[1].mailbox, "b@example.net");
  EXPECT_EQ(x.psd, 'n');
  EXPECT_TRUE(x.testing);
  EXPECT_TRUE(x.p_second);
  EXPECT_EQ(x.unknown, std::vector<std::string>{"future"});
  EXPECT_EQ(x.obsolete, (std::vector<std::string>{"pct", "rf", "ri"}));
  EXPECT_TRUE(x.size_limits);
}

TEST(Dmarc, PolicyErrors) {
  EXPECT_FALSE(parse_dmarc("v=DMARC1").ok());                    // p missing
  EXPECT_FALSE(parse_dmarc("v=DMARC1").ok(RuleSet::kRfc7489));   // RFC 7489 requires p
  EXPECT_TRUE(parse_dmarc("v=DMARC1").ok(RuleSet::kRfc9989));    // RFC 9989 reads p=none
  EXPECT_FALSE(parse_dmarc("v=DMARC1; p=maybe").ok());           // invalid p
  EXPECT_FALSE(parse_dmarc("v=DMARC1; p=none; sp=x").ok());      // invalid sp (§6.6.3 step 6)
  EXPECT_FALSE(parse_dmarc("v=DMARC1; p=none; p=reject").ok());  // repeated tag
  // An invalid np voids the policy only for receivers that know np.
  EXPECT_FALSE(parse_dmarc("v=DMARC1; p=none; np=x").ok(RuleSet::kRfc9989));
  EXPECT_TRUE(parse_dmarc("v=DMARC1; p=none; np=x").ok(RuleSet::kRfc7489));
  // Syntax errors in the rest of the record are discarded (§6.3, RFC 9989 §4.8).
  auto junk = parse_dmarc("v=DMARC1; p=none; junk");
  EXPECT_TRUE(junk.ok());
  EXPECT_EQ(junk.warnings.size(), 1u);
  auto r = parse_dmarc("v=DMARC1; rua=mailto:a@example.com; p=none");
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.record.p_second);
}

TEST(Dmarc, BadValuesAreWarningsWithPositions) {
  auto r = parse_dmarc("v=DMARC1; p=none; adkim=x; pct=101; fo=2; rua=reports@example.com");
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 4u);
  EXPECT_EQ(r.warnings[0].tag, "adkim");
  EXPECT_EQ(r.warnings[0].pos, 18u);
  EXPECT_EQ(r.record.pct, 100);
  EXPECT_EQ(r.record.adkim, 'r');
  EXPECT_FALSE(r.record.rua[0].valid);
}

TEST(Dmarc, ReportUris) {
  EXPECT_EQ(parse_uri("mailto:d@example.com!1k").max_size, 1024u);
  EXPECT_EQ(parse_uri("mailto:d@example.com!5").max_size, 5u);
  EXPECT_FALSE(parse_uri("mailto:d@example.com!5x").valid);
  EXPECT_FALSE(parse_uri("mailto:d@example.com!99999999999999999999t").valid);
  EXPECT_FALSE(parse_uri("mailto:nobody").valid);
  EXPECT_FALSE(parse_uri("d@example.com").valid);
  auto h = parse_uri("https://reports.Example.com/dmarc");
  EXPECT_TRUE(h.valid);
  EXPECT_EQ(h.host, "reports.example.com");
  EXPECT_EQ(parse_uri("  mailto:X@Example.NET  ").host, "example.net");
}

}  // namespace
}  // namespace mc::policy::dmarc
