// spf_parser_test.cpp - SPF record selection and syntax (RFC 7208 §4.5, §4.6, §5, §6, §7.1, §12).
#include "policy/spf_parser.hpp"

#include <gtest/gtest.h>

namespace mc::policy::spf {
namespace {

ParseResult ok(std::string_view text) {
  auto r = parse_record(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.errors.empty() ? "" : r.errors.front().message);
  return r;
}

Diagnostic bad(std::string_view text) {
  auto r = parse_record(text);
  EXPECT_FALSE(r.ok()) << text << " parsed";
  return r.errors.empty() ? Diagnostic{} : r.errors.front();
}

TEST(SpfParser, SelectsOnlyVersion1) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("v=spf1 -all"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));  // ABNF strings are case-insensitive
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1-all"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
  EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
  EXPECT_FALSE(is_spf_record(""));
}

TEST(SpfParser, EveryMechanism) {
  auto r =
      ok("v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24 a//64 "
         "mx:example.org/28//96 ptr ptr:example.net ip4:192.0.2.0/24 ip6:2001:db8::/32 "
         "exists:%{ir}.%{l1r+-}._spf.%{d}");
  const auto& d = r.record.directives;
  ASSERT_EQ(d.size(), 11u);
  EXPECT_EQ(d[0].mechanism, Mechanism::kAll);
  EXPECT_EQ(d[0].qualifier, Qualifier::kPass);
  EXPECT_EQ(d[1].mechanism, Mechanism::kInclude);
  EXPECT_EQ(d[1].qualifier, Qualifier::kFail);
  EXPECT_EQ(d[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(d[2].qualifier, Qualifier::kSoftFail);
  EXPECT_TRUE(d[2].domain_spec.empty());
  EXPECT_EQ(d[3].qualifier, Qualifier::kNeutral);
  EXPECT_EQ(d[3].domain_spec, "mail.example.com");
  EXPECT_EQ(d[3].cidr4, 24);
  EXPECT_EQ(d[3].cidr6, 128);
  EXPECT_EQ(d[4].cidr4, 32);
  EXPECT_EQ(d[4].cidr6, 64);
  EXPECT_EQ(d[5].mechanism, Mechanism::kMx);
  EXPECT_EQ(d[5].cidr4, 28);
  EXPECT_EQ(d[5].cidr6, 96);
  EXPECT_EQ(d[6].mechanism, Mechanism::kPtr);
  EXPECT_EQ(d[7].domain_spec, "example.net");
  EXPECT_EQ(d[8].network.text(), "192.0.2.0");
  EXPECT_EQ(d[8].cidr4, 24);
  EXPECT_TRUE(d[9].network.v6);
  EXPECT_EQ(d[9].cidr6, 32);
  EXPECT_EQ(d[10].mechanism, Mechanism::kExists);
  EXPECT_TRUE(d[1].counts_lookup());
  EXPECT_FALSE(d[8].counts_lookup());
  EXPECT_EQ(d[1].pos, 12u);  // offsets point into the record text
}

TEST(SpfParser, NamesAreCaseInsensitive) {
  auto r = ok("v=spf1 A:Example.COM MX IP4:192.0.2.1 Include:x.example.com REDIRECT=y.example.com");
  EXPECT_EQ(r.record.directives.size(), 4u);
  ASSERT_TRUE(r.record.redirect);
  EXPECT_EQ(r.record.redirect->name, "redirect");
}

TEST(SpfParser, Modifiers) {
  auto r = ok("v=spf1 -all exp=explain._spf.%{d} foo=bar moo.cow-far_out=man:dog/cat");
  ASSERT_TRUE(r.record.exp);
  EXPECT_EQ(r.record.exp->value, "explain._spf.%{d}");
  EXPECT_EQ(r.record.unknown_modifiers.size(), 2u);
  EXPECT_TRUE(r.record.has_all());
  bad("v=spf1 redirect=a.example.com redirect=b.example.com");
  bad("v=spf1 exp=a.example.com exp=b.example.com -all");
  bad("v=spf1 =foo");       // empty modifier name
  bad("v=spf1 redirect=");  // empty domain
  bad("v=spf1 foo=%x");     // unknown modifiers still need a valid macro-string
}

TEST(SpfParser, Ip4MustBeADottedQuad) {
  ok("v=spf1 ip4:0.0.0.0/0 ip4:255.255.255.255/32");
  bad("v=spf1 ip4:192.0.2");  // abbreviated
  bad("v=spf1 ip4:192.0.2.1/33");
  bad("v=spf1 ip4:192.0.2.1/032");  // ABNF: no leading zeros
  bad("v=spf1 ip4:192.0.02.1");
  bad("v=spf1 ip4:256.0.0.1");
  bad("v=spf1 ip4:2001:db8::1");
  bad("v=spf1 ip6:192.0.2.1");
  bad("v=spf1 ip6:2001:db8::/129");
  bad("v=spf1 ip4");
  ok("v=spf1 ip6:::ffff:192.0.2.1 ip6:2001:DB8::1/0");
}

TEST(SpfParser, DomainSpecNeedsATopLabel) {
  ok("v=spf1 a:foo-bar.example.com a:example.com. a:%{d} a:x.%{d}.y-z");
  bad("v=spf1 a:museum");  // §4.8: no "." toplabel
  bad("v=spf1 a:museum.");
  bad("v=spf1 a:111.222.33.44");  // numeric top label
  bad("v=spf1 a:foo.example.123");
  bad("v=spf1 a:foo.-example");  // toplabel may not start with '-'
  ok("v=spf1 a:foo.1-2");        // but may be digits around a hyphen
  bad("v=spf1 a:");
  bad("v=spf1 include:");
  bad("v=spf1 exists");
  bad("v=spf1 mx:");
}

TEST(SpfParser, Macros) {
  ok("v=spf1 exists:%{i}.%{l2r-}.user.%{d2} exists:%%%_%-x.example.com exists:%{S}.%{H}.%{V}.com");
  bad("v=spf1 exists:%(ir).sbl.example.com");  // not %{...}
  bad("v=spf1 exists:foo%.sbl.example.com");
  bad("v=spf1 a:%{a}.example.com");        // unknown letter
  bad("v=spf1 exists:%{c}.example.com");   // c, r, t: explanations only
  bad("v=spf1 exists:%{d0}.example.com");  // zero parts
  bad("v=spf1 exists:%{d");
  EXPECT_FALSE(check_macro_string("%{c} from %{r} at %{t}", true));
  EXPECT_TRUE(check_macro_string("%{c}", false));
  EXPECT_FALSE(check_macro_string("a b", true));  // explain-string: spaces allowed
  EXPECT_TRUE(check_macro_string("a b", false));
}

TEST(SpfParser, UnknownMechanismsAndJunk) {
  Diagnostic d = bad("v=spf1 a -all foo:bar");
  EXPECT_EQ(d.pos, 14u);
  EXPECT_NE(d.message.find("unknown mechanism 'foo'"), std::string::npos) << d.message;
  bad("v=spf1 all:foo");
  bad("v=spf1 ptr/24");
  bad("v=spf1 -");
  bad("v=spf1 a\t-all");  // only SP separates terms
  bad("v=spf1 +redirect=a.example.com");
  bad("v=spf1 a:exa\xc3\xa9mple.com");
  ok("v=spf1   a    -all   ");  // several spaces, trailing spaces
  ok("v=spf1");
}

TEST(SpfParser, IpNetworks) {
  auto net = parse_ip("192.0.2.0");
  auto in = parse_ip("192.0.2.77");
  auto out = parse_ip("192.0.3.1");
  ASSERT_TRUE(net && in && out);
  EXPECT_TRUE(in->in_network(*net, 24));
  EXPECT_FALSE(out->in_network(*net, 24));
  EXPECT_TRUE(out->in_network(*net, 23));
  EXPECT_TRUE(out->in_network(*net, 0));
  auto v6 = parse_ip("2001:db8::1");
  auto v6net = parse_ip("2001:db8::");
  ASSERT_TRUE(v6 && v6net);
  EXPECT_TRUE(v6->in_network(*v6net, 32));
  EXPECT_FALSE(v6->in_network(*net, 0));  // never across families
  EXPECT_EQ(parse_ip("CAFE:BABE::1")->text(), "cafe:babe::1");
}

}  // namespace
}  // namespace mc::policy::spf
