// dns_wire_test.cpp - parse_response on messages built with ldns, and on hostile bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "dns/wire.hpp"

// ldns last: its headers define C macros.
#include <ldns/ldns.h>

namespace mc::dns {
namespace {

std::vector<std::uint8_t> build(const char* qname, ldns_rr_type qtype,
                                std::vector<const char*> answer_rrs,
                                ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR) {
  ldns_pkt* pkt = nullptr;
  EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, qname, qtype, LDNS_RR_CLASS_IN, LDNS_RD),
            LDNS_STATUS_OK);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_rcode(pkt, rcode);
  for (const char* text : answer_rrs) {
    ldns_rr* rr = nullptr;
    EXPECT_EQ(ldns_rr_new_frm_str(&rr, text, 3600, nullptr, nullptr), LDNS_STATUS_OK) << text;
    ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
  }
  uint8_t* wire = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
  std::vector<std::uint8_t> out(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);
  return out;
}

TEST(DnsWire, MxRecordsAreExtractedAndNamesCanonical) {
  auto wire = build(
      "Example.NZ.", LDNS_RR_TYPE_MX,
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
  auto wire = build("shop.example.nz.", LDNS_RR_TYPE_A,
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
      build("a.example.nz.", LDNS_RR_TYPE_A,
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
  std::vector<const char*> ptrs;
  for (auto& s : rrs) ptrs.push_back(s.c_str());
  auto wire = build("c0.example.nz.", LDNS_RR_TYPE_MX, ptrs);
  auto r = parse_response(wire, "c0.example.nz", rrtype::kMx);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("longer than"), std::string::npos);
}

TEST(DnsWire, TxtStringsAreRawAndSeparate) {
  auto wire = build("example.nz.", LDNS_RR_TYPE_TXT,
                    {"example.nz. 60 IN TXT \"v=spf1 include:a\" \" -all\""});
  auto r = parse_response(wire, "example.nz", rrtype::kTxt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].strings, (std::vector<std::string>{"v=spf1 include:a", " -all"}));
}

TEST(DnsWire, RcodeIsReported) {
  auto wire = build("nope.example.nz.", LDNS_RR_TYPE_MX, {}, LDNS_RCODE_NXDOMAIN);
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
  auto wire = build("example.nz.", LDNS_RR_TYPE_MX, {"example.nz. 300 IN MX 10 mx1.example.nz."});
  wire.resize(wire.size() - 5);
  EXPECT_FALSE(parse_response(wire, "example.nz", rrtype::kMx));
}

}  // namespace
}  // namespace mc::dns
