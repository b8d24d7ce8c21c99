// transport_lab_test.cpp - details of DANE and STARTTLS against the lab's SMTP servers beyond
// status and finding ids, which lab/expect/transport.tsv holds (verdicts_lab_test.cpp).
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

TEST(TransportDetails, RolloverReadinessIsItsOwnResult) {
  struct Want {
    const char* domain;
    const char* status;
    const char* scheme;
  };
  for (const Want& w : {Want{"dane-ok.co.nz", "ready", "current + next"},
                        Want{"dane-ta.co.nz", "ready", "DANE-TA + next"},
                        Want{"dane-single.co.nz", "not_ready", "single record"},
                        Want{"dane-mismatch.co.nz", "not_applicable", ""},
                        Want{"smtp-ok.co.nz", "not_applicable", ""}}) {
    Report r = audit(w.domain);
    const AreaReport* dane = r.area(Area::kDane);
    EXPECT_EQ(dane->details["rollover"]["status"], w.status) << w.domain;
    EXPECT_EQ(dane->details["hosts"][0]["rollover"]["scheme"], w.scheme) << w.domain;
    // The row shows only where DANE is in use.
    const bool judged = std::string(w.status) != "not_applicable";
    ASSERT_EQ(dane->advisories.size(), judged ? 1u : 0u) << w.domain;
    if (judged) {
      EXPECT_EQ(dane->advisories[0].status, w.status) << w.domain;
    }
  }
}

// LabTimeout tests run alone (tests/lab/CMakeLists.txt) and ask the black hole itself
// (blackholed): the lab recursor answers SERVFAIL at once for a while once it has given up on it.
TEST(LabTimeout, NotDeterminedIsNeverNotDeployed) {
  // The MX lookup times out: dane and starttls cannot know the hosts, so they are errors.
  Report r =
      audit_blackholed("timeout.co.nz", std::chrono::seconds(20), std::chrono::milliseconds(1500));
  ASSERT_NE(r.area(Area::kMx), nullptr);
  EXPECT_EQ(r.area(Area::kMx)->details["lookup"].value("outcome", ""), "timeout");
  EXPECT_EQ(to_string(r.area(Area::kDane)->status), "error");
  EXPECT_EQ(to_string(r.area(Area::kStarttls)->status), "error");
}

TEST(TransportDetails, NotDeterminedIsNeverNotDeployed) {
  // A lame delegation and a bogus MX RRset: the hosts are unknown.
  for (const char* d : {"servfail.co.nz", "bogus.co.nz"}) {
    Report x = audit(d);
    EXPECT_EQ(to_string(x.area(Area::kStarttls)->status), "error") << d;
    EXPECT_EQ(to_string(x.area(Area::kDane)->status),
              std::string(d) == "bogus.co.nz" ? "fail" : "error")
        << d;
  }
  Report unsigned_host = audit("mx-unsigned-host.co.nz");
  EXPECT_EQ(unsigned_host.area(Area::kDane)->summary.find("DNSSEC is ready"), std::string::npos);
}

TEST(TransportDetails, InsecureMxHostIsJudgedByItsOwnName) {
  Report r = audit("dane-insecure-mx.co.nz");
  const auto& host = r.area(Area::kDane)->details["hosts"][0];
  EXPECT_EQ(host["insecure_mx"], true);
  EXPECT_EQ(host["verdict"], "deliver_authenticated");
  EXPECT_EQ(r.area(Area::kDane)->details["mx_secure"], false);
  // DANE is in use for those senders, so a missing TLS-RPT record matters (RFC 8460 §1).
  EXPECT_EQ(finding_ids(r, Area::kTlsRpt), std::vector<std::string>{"tls_rpt.missing_with_dane"});
}

TEST(TransportDetails, DaneMatchIsReportedWithDepthAndRecord) {
  Report r = audit("dane-ta.co.nz");
  const auto& host = r.area(Area::kDane)->details["hosts"][0];
  EXPECT_EQ(host["verdict"], "deliver_authenticated");
  EXPECT_EQ(host["base_domain"], "mx.dane-ta.co.nz");
  const auto& addr = host["addresses"][0];
  EXPECT_EQ(addr["authenticated"], true);
  EXPECT_EQ(addr["match_depth"], 1);  // the issuer, one above the leaf
  EXPECT_EQ(addr["matched"].get<std::string>().substr(0, 6), "2 1 1 ");
  bool ta_listed = false;  // the RRset's order is the server's choice
  for (const auto& rec : host["records"]) ta_listed |= rec["name"] == "DANE-TA SPKI SHA2-256";
  EXPECT_TRUE(ta_listed);
}

TEST(TransportDetails, EachMatchingTypeIsTheOneThatMatched) {
  for (const auto& [domain, prefix] :
       std::vector<std::pair<std::string, std::string>>{{"dane-301.co.nz", "3 0 1 "},
                                                        {"dane-312.co.nz", "3 1 2 "},
                                                        {"dane-expired.co.nz", "3 1 1 "}}) {
    Report r = audit(domain);
    const auto& addr = r.area(Area::kDane)->details["hosts"][0]["addresses"][0];
    EXPECT_EQ(addr["match_depth"], 0) << domain;
    EXPECT_EQ(addr["matched"].get<std::string>().substr(0, 6), prefix) << domain;
  }
}

TEST(TransportDetails, CnameExpandedNameIsTheTlsaBaseDomain) {
  Report r = audit("dane-cname.co.nz");
  const auto& host = r.area(Area::kDane)->details["hosts"][0];
  EXPECT_EQ(host["candidates"][0], "mx.dane-ok.co.nz");  // RFC 7672 §2.2.2: expanded name first
  EXPECT_EQ(host["base_domain"], "mx.dane-ok.co.nz");
  EXPECT_EQ(host["verdict"], "deliver_authenticated");
  EXPECT_EQ(finding_ids(r, Area::kMx), (std::vector<std::string>{"mx.no_ipv6", "mx.target_cname"}));
}

TEST(TransportDetails, StarttlsRecordsTheSession) {
  Report r = audit("smtp-ok.co.nz");
  const auto& a = r.area(Area::kStarttls)->details["hosts"][0]["addresses"][0];
  EXPECT_EQ(a["starttls_offered"], true);
  EXPECT_EQ(a["tls"]["version"], "TLSv1.3");
  EXPECT_FALSE(a["tls"]["cipher"].get<std::string>().empty());
  EXPECT_FALSE(a["tls"]["group"].get<std::string>().empty());
  EXPECT_EQ(a["tls"]["kex_type"], "X25519");  // the server's ephemeral key
  EXPECT_GT(a["tls"]["kex_bits"].get<int>(), 200);
  ASSERT_GE(a["certificates"].size(), 2u);  // leaf and intermediate
  EXPECT_EQ(a["certificates"][0]["dns_names"][0], "mx.smtp-ok.co.nz");
  EXPECT_EQ(a["pkix"]["valid"], true);
}

TEST(TransportDetails, NotDeployedRecommendsRecordsFromTheLiveCertificate) {
  Report r = audit("smtp-ok.co.nz");
  const auto* dane = r.area(Area::kDane);
  ASSERT_EQ(dane->findings.size(), 1u);
  const std::string& fix = dane->findings[0].recommendation;
  const auto& certs = r.area(Area::kStarttls)->details["hosts"][0]["addresses"][0]["certificates"];
  EXPECT_NE(fix.find("_25._tcp.mx.smtp-ok.co.nz. 3600 IN TLSA 3 1 1 " +
                     certs[0]["spki_sha256"].get<std::string>()),
            std::string::npos)
      << fix;
  EXPECT_NE(fix.find("TLSA 2 1 1 " + certs[1]["spki_sha256"].get<std::string>()), std::string::npos)
      << fix;
}

TEST(TransportDetails, EveryAddressIsProbed) {
  Report r = audit("dane-multi-addr.co.nz");
  const auto& addrs = r.area(Area::kStarttls)->details["hosts"][0]["addresses"];
  ASSERT_EQ(addrs.size(), 2u);
  EXPECT_EQ(addrs[0]["address"], "127.25.1.17");
  EXPECT_EQ(addrs[1]["address"], "2001:db8:25::17");
  EXPECT_EQ(addrs[1]["tls"]["version"], "TLSv1.3");
}

}  // namespace
}  // namespace mc::lab
