// dns_wire_test.cpp - parse_response on messages built with ldns, and on hostile bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/wire.hpp"
#include "test_support.hpp"

namespace mc::dns {
namespace {

std::vector<std::uint8_t> build(const std::string& qname, std::uint16_t qtype,
                                std::vector<std::string> answer_rrs, int rcode = 0) {
  return test::dns_message(qname, qtype, answer_rrs, rcode);
}

// only - the one record of qtype that a message holding just `rr` yields.
Record only(std::uint16_t qtype, const std::string& rr) {
  auto r = parse_response(build("example.nz.", qtype, {rr}), "example.nz", qtype);
  EXPECT_TRUE(r) << r.error().message;
  if (!r || r->records.size() != 1) {
    ADD_FAILURE() << "expected one record from " << rr;
    return Record{};
  }
  return r->records.front();
}

TEST(DnsWire, MxRecordsAreExtractedAndNamesCanonical) {
  auto wire = build(
      "Example.NZ.", rrtype::kMx,
      {"Example.NZ. 300 IN MX 10 MX1.Example.NZ.", "example.nz. 300 IN MX 20 mx2.example.nz."});
  auto r = parse_response(wire, "example.nz", rrtype::kMx);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(r->records[0].owner, "example.nz");
  EXPECT_EQ(r->records[0].fields, (std::vector<std::string>{"10", "mx1.example.nz"}));
  EXPECT_EQ(r->records[0].ttl, 300u);
  EXPECT_EQ(r->records[1].text(), "example.nz. 300 IN MX 20 mx2.example.nz");
  EXPECT_TRUE(r->cname_chain.empty());
}

TEST(DnsWire, CnameChainIsFollowed) {
  auto wire = build("shop.example.nz.", rrtype::kA,
                    {"shop.example.nz. 60 IN CNAME www.example.nz.",
                     "www.example.nz. 60 IN CNAME web.example.net.",
                     "web.example.net. 60 IN A 192.0.2.7", "other.example.net. 60 IN A 192.0.2.8"});
  auto r = parse_response(wire, "shop.example.nz", rrtype::kA);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->cname_chain.size(), 2u);
  EXPECT_EQ(r->cname_chain[0].to, "www.example.nz");
  EXPECT_EQ(r->cname_chain[1].to, "web.example.net");
  ASSERT_EQ(r->records.size(), 1u);  // records not at the chain's end are ignored
  EXPECT_EQ(r->records[0].fields[0], "192.0.2.7");
}

TEST(DnsWire, CnameLoopIsBounded) {
  auto wire =
      build("a.example.nz.", rrtype::kA,
            {"a.example.nz. 60 IN CNAME b.example.nz.", "b.example.nz. 60 IN CNAME a.example.nz."});
  auto r = parse_response(wire, "a.example.nz", rrtype::kA);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("CNAME loop"), std::string::npos) << r.error().message;
}

TEST(DnsWire, OverlongCnameChainIsAnErrorNotNoData) {
  std::vector<std::string> rrs;
  for (int i = 0; i <= kMaxCnameChain; ++i) {
    rrs.push_back(fmt::format("c{}.example.nz. 60 IN CNAME c{}.example.nz.", i, i + 1));
  }
  rrs.push_back(fmt::format("c{}.example.nz. 60 IN MX 10 mx.example.nz.", kMaxCnameChain + 1));
  auto wire = build("c0.example.nz.", rrtype::kMx, rrs);
  auto r = parse_response(wire, "c0.example.nz", rrtype::kMx);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("longer than"), std::string::npos);
}

TEST(DnsWire, TxtStringsAreRawAndSeparate) {
  auto wire =
      build("example.nz.", rrtype::kTxt, {"example.nz. 60 IN TXT \"v=spf1 include:a\" \" -all\""});
  auto r = parse_response(wire, "example.nz", rrtype::kTxt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].strings, (std::vector<std::string>{"v=spf1 include:a", " -all"}));
}

TEST(DnsWire, RcodeIsReported) {
  auto wire = build("nope.example.nz.", rrtype::kMx, {}, 3);
  auto r = parse_response(wire, "nope.example.nz", rrtype::kMx);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rcode, 3);
  EXPECT_TRUE(r->records.empty());
}

TEST(DnsWire, GarbageIsAnErrorNotACrash) {
  std::vector<std::uint8_t> garbage = {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0xff};
  auto r = parse_response(garbage, "example.nz", rrtype::kA);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
  EXPECT_FALSE(parse_response({}, "example.nz", rrtype::kA));
}

TEST(DnsWire, TruncatedMessageIsAnError) {
  auto wire = build("example.nz.", rrtype::kMx, {"example.nz. 300 IN MX 10 mx1.example.nz."});
  wire.resize(wire.size() - 5);
  EXPECT_FALSE(parse_response(wire, "example.nz", rrtype::kMx));
}

// ---- typed RDATA: each decoder, with RDATA too short for it (RFC 3597 \# form) -------------

TEST(DnsWireTyped, MxPreferenceAndCanonicalExchange) {
  const Record r = only(rrtype::kMx, "example.nz. 300 IN MX 20 MX1.Example.NZ.");
  ASSERT_NE(r.mx(), nullptr);
  EXPECT_EQ(r.mx()->preference, 20);
  EXPECT_EQ(r.mx()->exchange, "mx1.example.nz");
  EXPECT_EQ(r.tlsa(), nullptr);  // an accessor of another type
  EXPECT_EQ(only(rrtype::kMx, "example.nz. 300 IN MX 0 .").mx()->exchange, ".");  // RFC 7505
  EXPECT_EQ(only(rrtype::kMx, "example.nz. 300 IN MX 65535 a.nz.").mx()->preference, 65535);
}

TEST(DnsWireTyped, MxWithoutExchangeIsMalformedNotAnError) {
  const Record r = only(rrtype::kMx, "example.nz. 300 IN MX \\# 2 000a");
  EXPECT_EQ(r.mx(), nullptr);
  EXPECT_EQ(r.rdata_text(), "10");  // still shown as evidence
  EXPECT_EQ(only(rrtype::kMx, "example.nz. 300 IN MX \\# 0").mx(), nullptr);
}

TEST(DnsWireTyped, AddressesAndNames) {
  EXPECT_EQ(only(rrtype::kA, "example.nz. 60 IN A 192.0.2.7").address()->address, "192.0.2.7");
  EXPECT_EQ(only(rrtype::kAaaa, "example.nz. 60 IN AAAA 2001:DB8:0::1").address()->address,
            "2001:db8::1");
  EXPECT_EQ(only(rrtype::kPtr, "example.nz. 60 IN PTR Host.Example.NET.").target()->name,
            "host.example.net");
  EXPECT_EQ(only(rrtype::kCname, "example.nz. 60 IN CNAME www.example.net.").target()->name,
            "www.example.net");
  EXPECT_EQ(only(rrtype::kCname, "example.nz. 60 IN CNAME \\# 0").target(), nullptr);

  auto r = parse_response(build("example.nz.", rrtype::kA,
                                {"example.nz. 60 IN A 192.0.2.1", "example.nz. 60 IN A 192.0.2.2"}),
                          "example.nz", rrtype::kA);
  ASSERT_TRUE(r);
  Answer a;
  a.records = r->records;
  EXPECT_EQ(a.addresses(), (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
}

TEST(DnsWireTyped, Tlsa) {
  const Record r = only(rrtype::kTlsa, "example.nz. 300 IN TLSA 3 1 1 ABcd01");
  ASSERT_NE(r.tlsa(), nullptr);
  EXPECT_EQ(r.tlsa()->usage, 3);
  EXPECT_EQ(r.tlsa()->selector, 1);
  EXPECT_EQ(r.tlsa()->matching_type, 1);
  EXPECT_EQ(r.tlsa()->data, (std::vector<std::uint8_t>{0xab, 0xcd, 0x01}));
  const Record odd = only(rrtype::kTlsa, "example.nz. 300 IN TLSA 255 254 253 00");
  EXPECT_EQ(odd.tlsa()->usage, 255);  // values are judged by policy, not here
  EXPECT_EQ(odd.tlsa()->matching_type, 253);
}

TEST(DnsWireTyped, TlsaWithoutAssociationDataIsMalformed) {
  const Record r = only(rrtype::kTlsa, "example.nz. 300 IN TLSA \\# 3 030101");
  EXPECT_EQ(r.tlsa(), nullptr);
  EXPECT_EQ(r.fields.size(), 3u);
  EXPECT_EQ(only(rrtype::kTlsa, "example.nz. 300 IN TLSA \\# 1 03").tlsa(), nullptr);
}

TEST(DnsWireTyped, Ds) {
  const Record r = only(rrtype::kDs, "example.nz. 300 IN DS 12345 13 2 ABCDEF");
  ASSERT_NE(r.ds(), nullptr);
  EXPECT_EQ(r.ds()->key_tag, 12345);
  EXPECT_EQ(r.ds()->algorithm, 13);
  EXPECT_EQ(r.ds()->digest_type, 2);
  EXPECT_EQ(r.ds()->digest, (std::vector<std::uint8_t>{0xab, 0xcd, 0xef}));
  // RDATA that ends after the digest type: an empty digest; before it: malformed.
  const Record empty = only(rrtype::kDs, "example.nz. 300 IN DS \\# 4 30390d01");
  ASSERT_NE(empty.ds(), nullptr);
  EXPECT_EQ(empty.ds()->digest_type, 1);
  EXPECT_TRUE(empty.ds()->digest.empty());
  EXPECT_EQ(only(rrtype::kDs, "example.nz. 300 IN DS \\# 3 30390d").ds(), nullptr);
}

TEST(DnsWireTyped, Dnskey) {
  const Record r = only(rrtype::kDnskey, "example.nz. 300 IN DNSKEY 257 3 15 AwEAAQ==");
  ASSERT_NE(r.dnskey(), nullptr);
  EXPECT_EQ(r.dnskey()->flags, 257);
  EXPECT_EQ(r.dnskey()->protocol, 3);
  EXPECT_EQ(r.dnskey()->algorithm, 15);
  EXPECT_EQ(r.dnskey()->public_key, (std::vector<std::uint8_t>{3, 1, 0, 1}));
  const Record keyless = only(rrtype::kDnskey, "example.nz. 300 IN DNSKEY \\# 4 0100030d");
  ASSERT_NE(keyless.dnskey(), nullptr);
  EXPECT_EQ(keyless.dnskey()->algorithm, 13);
  EXPECT_TRUE(keyless.dnskey()->public_key.empty());
  EXPECT_EQ(only(rrtype::kDnskey, "example.nz. 300 IN DNSKEY \\# 3 010003").dnskey(), nullptr);
}

TEST(DnsWireTyped, Nsec3Param) {
  const Record r = only(rrtype::kNsec3param, "example.nz. 0 IN NSEC3PARAM 1 0 10 AB12");
  ASSERT_NE(r.nsec3param(), nullptr);
  EXPECT_EQ(r.nsec3param()->hash_algorithm, 1);
  EXPECT_EQ(r.nsec3param()->flags, 0);
  EXPECT_EQ(r.nsec3param()->iterations, 10);
  EXPECT_EQ(r.nsec3param()->salt, (std::vector<std::uint8_t>{0xab, 0x12}));
  const Record unsalted = only(rrtype::kNsec3param, "example.nz. 0 IN NSEC3PARAM 1 0 0 -");
  ASSERT_NE(unsalted.nsec3param(), nullptr);
  EXPECT_TRUE(unsalted.nsec3param()->salt.empty());
  // No salt length octet at all: malformed (RFC 5155 §4.2 has it even for no salt).
  EXPECT_EQ(only(rrtype::kNsec3param, "example.nz. 0 IN NSEC3PARAM \\# 4 0100000a").nsec3param(),
            nullptr);
}

TEST(DnsWireTyped, RrsigAndOriginalTtl) {
  const char* sig =
      "example.nz. 120 IN RRSIG MX 13 2 3600 20300101000000 20200101000000 4660 Example.NZ. AQID";
  const Record r = only(rrtype::kRrsig, sig);
  ASSERT_NE(r.rrsig(), nullptr);
  EXPECT_EQ(r.rrsig()->type_covered, rrtype::kMx);
  EXPECT_EQ(r.rrsig()->algorithm, 13);
  EXPECT_EQ(r.rrsig()->labels, 2);
  EXPECT_EQ(r.rrsig()->original_ttl, 3600u);
  EXPECT_EQ(r.rrsig()->expiration, 1893456000u);  // 2030-01-01T00:00:00Z
  EXPECT_EQ(r.rrsig()->inception, 1577836800u);   // 2020-01-01T00:00:00Z
  EXPECT_EQ(r.rrsig()->key_tag, 4660);
  EXPECT_EQ(r.rrsig()->signer, "example.nz");
  EXPECT_EQ(r.rrsig()->signature, (std::vector<std::uint8_t>{1, 2, 3}));

  // The Original TTL of the RRSIG that covers the asked type, not another one.
  auto p = parse_response(
      build("example.nz.", rrtype::kMx,
            {"example.nz. 120 IN MX 10 mx.example.nz.", sig,
             "example.nz. 120 IN RRSIG TXT 13 2 7200 20300101000000 20200101000000 4660 "
             "example.nz. AQID"}),
      "example.nz", rrtype::kMx);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->original_ttl, 3600u);
}

TEST(DnsWireTyped, TruncatedRrsigGivesNoOriginalTtl) {
  // Type covered, algorithm, labels and Original TTL, then nothing: not a signature.
  const char* cut = "example.nz. 120 IN RRSIG \\# 8 000f0d0200000e10";
  EXPECT_EQ(only(rrtype::kRrsig, cut).rrsig(), nullptr);
  auto p =
      parse_response(build("example.nz.", rrtype::kMx, {"example.nz. 120 IN MX 10 mx.nz.", cut}),
                     "example.nz", rrtype::kMx);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->original_ttl, 0u);
}

}  // namespace
}  // namespace mc::dns
