// spf_macro_test.cpp - SPF macro expansion, with the examples of RFC 7208 §7.4.
#include "policy/spf_macro.hpp"

#include <gtest/gtest.h>

namespace mc::policy::spf {
namespace {

MacroContext rfc_context(std::string ip = "192.0.2.3") {
  MacroContext c;
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = *parse_ip(ip);
  c.helo = "mx.example.org";
  return c;
}

std::string x(std::string_view s, const MacroContext& c, bool explanation = false) {
  auto r = expand(s, c, explanation);
  EXPECT_TRUE(r) << s;
  return r ? *r : "<error>";
}

TEST(SpfMacro, Rfc7208Section7_4Examples) {
  const auto c = rfc_context();
  EXPECT_EQ(x("%{s}", c), "strong-bad@email.example.com");
  EXPECT_EQ(x("%{o}", c), "email.example.com");
  EXPECT_EQ(x("%{d}", c), "email.example.com");
  EXPECT_EQ(x("%{d4}", c), "email.example.com");
  EXPECT_EQ(x("%{d3}", c), "email.example.com");
  EXPECT_EQ(x("%{d2}", c), "example.com");
  EXPECT_EQ(x("%{d1}", c), "com");
  EXPECT_EQ(x("%{dr}", c), "com.example.email");
  EXPECT_EQ(x("%{d2r}", c), "example.email");
  EXPECT_EQ(x("%{l}", c), "strong-bad");
  EXPECT_EQ(x("%{l-}", c), "strong.bad");
  EXPECT_EQ(x("%{lr}", c), "strong-bad");
  EXPECT_EQ(x("%{lr-}", c), "bad.strong");
  EXPECT_EQ(x("%{l1r-}", c), "strong");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}", c), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}", c), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", c),
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", c),
            "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{d2}.trusted-domains.example.net", c), "example.com.trusted-domains.example.net");
  const auto c6 = rfc_context("2001:db8::cb01");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}", c6),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, EscapesAndUrlEncoding) {
  auto c = rfc_context();
  EXPECT_EQ(x("a%%b%_c%-d", c), "a%b c%20d");
  c.local_part = "~jack&jill=up-a_b3.c";
  EXPECT_EQ(x("http://example.com/why.html?l=%{L}", c, true),
            "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
  EXPECT_EQ(x("%{H}", c), "mx.example.org");
}

TEST(SpfMacro, ExplanationOnlyLetters) {
  auto c = rfc_context("CAFE:BABE::1");
  c.receiver = "mx.receiver.example";
  c.timestamp = 1700000000;
  EXPECT_EQ(x("%{c} via %{r} at %{t}", c, true),
            "cafe:babe::1 via mx.receiver.example at 1700000000");
  EXPECT_FALSE(expand("%{c}", c, false));
}

TEST(SpfMacro, BigDigitsKeepEverything) {
  const auto c = rfc_context();
  EXPECT_EQ(x("%{d127}", c), "email.example.com");
  EXPECT_EQ(x("%{d99999999999999999999}", c), "email.example.com");
}

TEST(SpfMacro, PtrAndTruncation) {
  EXPECT_TRUE(uses_p("%{p}.example.com"));
  EXPECT_TRUE(uses_p("x%{P2r}"));
  EXPECT_FALSE(uses_p("%%{p}"));
  std::string long_name;
  for (int i = 0; i < 30; ++i) long_name += "label" + std::to_string(i) + ".";
  long_name += "example.com";
  const std::string t = truncate_domain(long_name);
  EXPECT_LE(t.size(), 253u);
  EXPECT_TRUE(t.ends_with(".example.com"));
  EXPECT_TRUE(long_name.ends_with(t));
  EXPECT_EQ(truncate_domain("example.com."), "example.com");
}

TEST(SpfMacro, SenderParts) {
  auto p = sender_parts("@example.net", "helo.example");
  EXPECT_EQ(p.local_part, "postmaster");
  EXPECT_EQ(p.domain, "example.net");
  p = sender_parts("", "helo.example");
  EXPECT_EQ(p.local_part, "postmaster");
  EXPECT_EQ(p.domain, "helo.example");
  p = sender_parts("a@b@example.org", "h");
  EXPECT_EQ(p.local_part, "a@b");
  EXPECT_EQ(p.domain, "example.org");
}

}  // namespace
}  // namespace mc::policy::spf
