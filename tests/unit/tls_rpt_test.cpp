// tls_rpt_test.cpp - the tls_rpt check's pure evaluation and view, from constructed answers:
// every tls_rpt finding id and every DNS state (secure, insecure, bogus, failed lookup).
#include "checks/tls_rpt.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;
using V = std::vector<std::string>;
constexpr const char* kOwner = "_smtp._tls.example.co.nz";
constexpr const char* kGood = "v=TLSRPTv1; rua=mailto:tls@example.co.nz";

TlsRptData data(dns::Answer txt) {
  TlsRptData d;
  d.domain = "example.co.nz";
  d.txt = std::move(txt);
  return d;
}

AreaReport report(dns::Answer txt, TlsRptContext ctx = {}) {
  return tls_rpt_report(data(std::move(txt)), ctx);
}

TEST(TlsRptCheck, OneValidRecordPasses) {
  for (auto security : {dns::Security::kSecure, dns::Security::kInsecure}) {
    // TLS-RPT asks for no DNSSEC (RFC 8460 §3): an unsigned record counts the same.
    AreaReport r = report(test::txt(kOwner, {kGood, "unrelated text"}, security));
    EXPECT_EQ(r.status, Status::kPass);
    EXPECT_EQ(ids(r), V{});
    EXPECT_EQ(r.details["record"], kGood);
    EXPECT_EQ(r.details["rua"][0], "mailto:tls@example.co.nz");
    EXPECT_NE(r.summary.find("mailto:tls@example.co.nz"), std::string::npos);
  }
}

TEST(TlsRptCheck, NoRecordIsNotDeployed) {
  AreaReport r = report(test::txt(kOwner, {"v=spf1 -all"}));
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"tls_rpt.none"});
  EXPECT_NE(r.findings[0].recommendation.find("v=TLSRPTv1; rua=mailto:tls-reports@example.co.nz"),
            std::string::npos);
  // NXDOMAIN is an answer too: securely nothing there.
  EXPECT_EQ(ids(report(test::answer(kOwner, dns::rrtype::kTxt, dns::Outcome::kNxDomain,
                                    dns::Security::kSecure))),
            V{"tls_rpt.none"});
}

TEST(TlsRptCheck, MissingMattersWhereSendersEnforceTls) {
  AreaReport r = report(test::nodata(kOwner, dns::rrtype::kTxt), {.enforced_tls = true});
  EXPECT_EQ(r.status, Status::kNone);  // not deployed; the warning is the advice
  EXPECT_EQ(ids(r), V{"tls_rpt.missing_with_dane"});
}

TEST(TlsRptCheck, NullMxNeedsNoRecord) {
  AreaReport r = report(test::nodata(kOwner, dns::rrtype::kTxt), {.non_mail_domain = true});
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{});
  EXPECT_EQ(r.summary, "not applicable: the domain receives no mail");
}

TEST(TlsRptCheck, SeveralRecordsFail) {
  AreaReport r = report(test::txt(kOwner, {kGood, "v=TLSRPTv1; rua=mailto:other@example.co.nz"}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"tls_rpt.multiple_records"});
  EXPECT_EQ(r.findings[0].evidence.size(), 2u);
}

TEST(TlsRptCheck, InvalidRecordFails) {
  AreaReport r = report(test::txt(kOwner, {"v=TLSRPTv1; rua=ftp://example.co.nz/"}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"tls_rpt.invalid"});
  EXPECT_EQ(r.summary, "the TLS-RPT record is invalid");
  EXPECT_FALSE(r.details.contains("rua"));
}

TEST(TlsRptCheck, FailedLookupsAreUndetermined) {
  for (const auto& a :
       {test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kServFail, dns::Security::kBogus),
        test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kServFail),
        test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kTimeout)}) {
    AreaReport r = report(a, {.enforced_tls = true});
    EXPECT_EQ(r.status, Status::kError) << to_string(a.outcome);
    EXPECT_EQ(ids(r), V{"tls_rpt.lookup_failed"});
  }
}

TEST(TlsRptCheck, EvaluationStatesTheAreaOnly) {
  // The evaluation carries state and findings; the status is derived from them, once.
  Evaluation ev = evaluate_tls_rpt(data(test::txt(kOwner, {kGood, kGood})), {});
  EXPECT_EQ(ev.state, AreaState::kEvaluated);
  EXPECT_EQ(status_from(ev.findings, ev.state), Status::kFail);
}

}  // namespace
}  // namespace mc::checks
