// domain_name_test.cpp - DomainName parsing: canonical form, IDN, and every rejection path.
#include "core/domain_name.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

TEST(DomainName, CanonicalisesCaseAndTrailingDot) {
  auto d = DomainName::parse("Example.CO.NZ.");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->str(), "example.co.nz");
  EXPECT_EQ(d->fqdn(), "example.co.nz.");
  EXPECT_EQ(d->labels(), (std::vector<std::string>{"example", "co", "nz"}));
}

TEST(DomainName, UnicodeInputBecomesALabel) {
  auto d = DomainName::parse("müller.co.nz");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->str(), "xn--mller-kva.co.nz");
  EXPECT_EQ(d->unicode(), "müller.co.nz");
}

TEST(DomainName, UnicodeUpperCaseIsMapped) {
  auto d = DomainName::parse("MÜLLER.Co.Nz");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->str(), "xn--mller-kva.co.nz");
}

TEST(DomainName, MaoriMacronsWork) {
  auto d = DomainName::parse("māori.nz");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->str().rfind("xn--", 0), 0u);
  EXPECT_EQ(d->unicode(), "māori.nz");
}

TEST(DomainName, ALabelInputIsAccepted) {
  auto d = DomainName::parse("XN--MLLER-KVA.co.nz");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->str(), "xn--mller-kva.co.nz");
}

TEST(DomainName, InvalidALabelIsRejected) {
  auto d = DomainName::parse("xn--a.co.nz");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(d.error().message.find("A-label"), std::string::npos) << d.error().message;
}

struct BadName {
  const char* input;
  const char* says;
};

void PrintTo(const BadName& b, std::ostream* os) { *os << '"' << b.input << '"'; }

class DomainNameRejects : public ::testing::TestWithParam<BadName> {};

TEST_P(DomainNameRejects, WithAMessageThatSaysWhy) {
  auto d = DomainName::parse(GetParam().input);
  ASSERT_FALSE(d) << "accepted " << GetParam().input;
  EXPECT_EQ(d.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(d.error().message.find(GetParam().says), std::string::npos) << d.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DomainNameRejects,
    ::testing::Values(BadName{"", "empty"}, BadName{".", "root"}, BadName{"a..nz", "empty label"},
                      BadName{".a.nz", "empty label"}, BadName{"-a.nz", "hyphen"},
                      BadName{"a-.nz", "hyphen"}, BadName{"exa mple.nz", "' '"},
                      BadName{"ex_ample.nz", "'_'"}, BadName{"user@example.nz", "'@'"},
                      BadName{"192.0.2.1", "IP address"}, BadName{"2001:db8::1", "IP address"},
                      BadName{"1.2.3.4.5", "IP address"},
                      BadName{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.nz",
                              "64 characters"},
                      BadName{"\xff\xfe.nz", "not a valid internationalised"}));

TEST(DomainName, RejectsOverlongName) {
  std::string name;
  for (int i = 0; i < 26; ++i) name += "abcdefghi.";
  name += "nz";  // 262 characters
  auto d = DomainName::parse(name);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("at most 253"), std::string::npos);
}

TEST(DomainName, AcceptsLongestName) {
  std::string name;
  for (int i = 0; i < 3; ++i) name += std::string(63, 'a') + ".";
  name += std::string(61, 'b');  // 253 characters
  ASSERT_EQ(name.size(), 253u);
  EXPECT_TRUE(DomainName::parse(name));
}

TEST(DomainName, SubdomainRelation) {
  auto a = *DomainName::parse("mail.example.co.nz");
  auto b = *DomainName::parse("example.co.nz");
  auto c = *DomainName::parse("ample.co.nz");
  EXPECT_TRUE(a.is_subdomain_of(b));
  EXPECT_TRUE(b.is_subdomain_of(b));
  EXPECT_FALSE(b.is_subdomain_of(a));
  EXPECT_FALSE(b.is_subdomain_of(c));
}

TEST(NormalizeDnsName, LowersAndDropsTrailingDot) {
  EXPECT_EQ(normalize_dns_name("Mx1.Example.NZ."), "mx1.example.nz");
  EXPECT_EQ(normalize_dns_name("."), ".");
  EXPECT_EQ(normalize_dns_name("a\\."), "a\\.");  // an escaped dot is part of the label
}

TEST(LooksLikeIpAddress, Literals) {
  EXPECT_TRUE(looks_like_ip_address("127.25.0.1."));
  EXPECT_TRUE(looks_like_ip_address("::1"));
  EXPECT_FALSE(looks_like_ip_address("mx1.example.nz"));
  EXPECT_FALSE(looks_like_ip_address("1.2.3"));
}

}  // namespace
}  // namespace mc
