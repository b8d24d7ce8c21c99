// dane_verify_test.cpp - net::verify_dane: OpenSSL's DANE verifier on a chain captured earlier,
// as the survey scanner judges one shared probe for each recipient domain. Chains are made in
// memory; the records are the ones `mailcheck tlsa` would publish for them.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <ctime>

#include "net/smtp_probe.hpp"
#include "test_certs.hpp"
#include "tools/tlsa_gen.hpp"

namespace mc::net {
namespace {

const std::time_t now_time = std::time(nullptr);

policy::TlsaRecord record(const test::Chain& c, std::uint8_t usage) {
  auto r = tools::make_tlsa({c.der, {}}, {usage, 1, 1});
  EXPECT_TRUE(r) << r.error().message;
  return *r;
}

ProbeTarget target(const std::string& host, std::vector<policy::TlsaRecord> tlsa) {
  ProbeTarget t;
  t.host = host;
  t.address = "192.0.2.25";
  t.tlsa = std::move(tlsa);
  return t;
}

TEST(VerifyDane, EeMatchesTheLeafWhateverItsNameOrDates) {
  const auto c =
      test::make_chain("mx.example.co.nz", now_time - 10 * 86400, now_time - 86400);  // expired
  const auto d = verify_dane(c.der, target("other.example.nz", {record(c, 3)}));
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.records_loaded, 1);
  EXPECT_TRUE(d.authenticated) << d.error;  // RFC 7672 §3.1.1: names and dates do not matter
  EXPECT_EQ(d.match_depth, 0);
  ASSERT_TRUE(d.matched);
  EXPECT_EQ(d.matched->usage, 3);
}

TEST(VerifyDane, TaChecksTheReferenceIdentifiers) {
  const auto c = test::make_chain("mx.example.co.nz", now_time - 86400, now_time + 86400);
  const auto ta = record(c, 2);
  const auto ok = verify_dane(c.der, target("mx.example.co.nz", {ta}));
  EXPECT_TRUE(ok.authenticated) << ok.error;
  EXPECT_EQ(ok.match_depth, 1);
  // The certificate does not name this MX host: DANE-TA fails (RFC 7672 §3.2.2) ...
  const auto wrong = verify_dane(c.der, target("mx.other.nz", {ta}));
  EXPECT_FALSE(wrong.authenticated);
  EXPECT_EQ(wrong.verify_error, X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_FALSE(wrong.error.empty());
  // ... unless it names another reference identifier, e.g. the recipient domain.
  auto t = target("mx.other.nz", {ta});
  t.extra_names = {"mx.example.co.nz"};
  EXPECT_TRUE(verify_dane(c.der, t).authenticated);
}

TEST(VerifyDane, NoMatchingRecordIsNotAuthenticated) {
  const auto c = test::make_chain("mx.example.co.nz", now_time - 86400, now_time + 86400);
  const auto other = test::make_chain("mx.example.co.nz", now_time - 86400, now_time + 86400);
  const auto d = verify_dane(c.der, target("mx.example.co.nz", {record(other, 3)}));
  EXPECT_TRUE(d.enabled);
  EXPECT_FALSE(d.authenticated);
  EXPECT_FALSE(d.matched);
  EXPECT_FALSE(d.error.empty());
}

TEST(VerifyDane, NothingToVerifyOrNothingToVerifyWith) {
  const auto c = test::make_chain("mx.example.co.nz", now_time - 86400, now_time + 86400);
  EXPECT_FALSE(verify_dane(c.der, target("mx.example.co.nz", {})).enabled);  // no TLSA: no DANE
  const auto none = verify_dane({}, target("mx.example.co.nz", {record(c, 3)}));
  EXPECT_FALSE(none.authenticated);
  EXPECT_FALSE(none.error.empty());
  const auto junk = verify_dane({"not DER"}, target("mx.example.co.nz", {record(c, 3)}));
  EXPECT_FALSE(junk.authenticated);
  EXPECT_NE(junk.error.find("does not parse"), std::string::npos);
}

}  // namespace
}  // namespace mc::net
