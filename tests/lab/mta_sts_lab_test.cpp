// mta_sts_lab_test.cpp - the mta_sts check against the lab's sts-*.co.nz domains (lab/README.md):
// real HTTPS policy servers (good and broken), real SMTP servers behind the MX records, the
// verdict an MTA-STS sender reaches, through the real resolver.
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct StsScenario {
  const char* domain;
  Status status;
  std::vector<std::string> ids;
};

void PrintTo(const StsScenario& s, std::ostream* os) { *os << s.domain; }

class LabMtaSts : public ::testing::TestWithParam<StsScenario> {};

TEST_P(LabMtaSts, StatusAndFindings) {
  const StsScenario& s = GetParam();
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* a = r.area(Area::kMtaSts);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(to_string(a->status), to_string(s.status)) << a->summary;
  EXPECT_EQ(finding_ids(r, Area::kMtaSts), s.ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone;

INSTANTIATE_TEST_SUITE_P(
    Domains, LabMtaSts,
    ::testing::Values(StsScenario{"sts-enforce.co.nz", kPass, V{}},
                      StsScenario{"good.co.nz", kNone, V{"mta_sts.none"}},
                      StsScenario{"nullmx.co.nz", kNone, V{}},
                      StsScenario{"bogus.co.nz", Status::kError, V{"mta_sts.lookup_failed"}},
                      StsScenario{"sts-testing.co.nz", kWarn, V{"mta_sts.testing_mode"}},
                      StsScenario{"sts-none.co.nz", kNone, V{"mta_sts.mode_none"}},
                      StsScenario{"sts-mx-mismatch.co.nz", kFail, V{"mta_sts.mx_not_listed"}},
                      StsScenario{"sts-wildcard.co.nz", kPass, V{}},
                      StsScenario{"sts-wildcard-deep.co.nz", kFail, V{"mta_sts.mx_not_listed"}},
                      // mx lines that are not §3.2 syntax match nothing for strict senders.
                      StsScenario{"sts-mx-dot.co.nz", kFail,
                                  V{"mta_sts.mx_not_listed", "mta_sts.mx_pattern_malformed"}},
                      StsScenario{"sts-mx-midwild.co.nz", kFail,
                                  V{"mta_sts.mx_not_listed", "mta_sts.mx_pattern_malformed"}},
                      StsScenario{"sts-short-max-age.co.nz", kWarn, V{"mta_sts.max_age_short"}},
                      StsScenario{"sts-not-found.co.nz", kFail, V{"mta_sts.policy_http_status"}},
                      StsScenario{"sts-redirect.co.nz", kFail, V{"mta_sts.policy_redirect"}},
                      StsScenario{"sts-wrong-type.co.nz", kFail, V{"mta_sts.policy_media_type"}},
                      StsScenario{"sts-oversized.co.nz", kFail, V{"mta_sts.policy_too_large"}},
                      StsScenario{"sts-slow.co.nz", kFail, V{"mta_sts.policy_unreachable"}},
                      StsScenario{"sts-cert-expired.co.nz", kFail,
                                  V{"mta_sts.policy_cert_invalid"}},
                      StsScenario{"sts-self-signed.co.nz", kFail, V{"mta_sts.policy_cert_invalid"}},
                      StsScenario{"sts-wrong-name.co.nz", kFail, V{"mta_sts.policy_cert_invalid"}},
                      StsScenario{"sts-no-host.co.nz", kFail, V{"mta_sts.policy_unreachable"}},
                      StsScenario{"sts-no-txt.co.nz", kNone, V{"mta_sts.txt_missing"}},
                      StsScenario{"sts-two-txt.co.nz", kFail, V{"mta_sts.txt_multiple"}},
                      StsScenario{"sts-bad-id.co.nz", kFail, V{"mta_sts.txt_invalid"}},
                      StsScenario{"sts-no-version.co.nz", kFail, V{"mta_sts.policy_invalid"}},
                      StsScenario{"sts-crlf.co.nz", kPass, V{}},
                      StsScenario{"sts-smtp-wrong-name.co.nz", kFail, V{"mta_sts.mx_tls_invalid"}},
                      StsScenario{"sts-dane.co.nz", kPass, V{"mta_sts.dane_precedence"}},
                      StsScenario{"sts-ipv6.co.nz", kPass, V{}},
                      StsScenario{"sts-unsigned.co.nz", kPass, V{}}),
    domain_test_name<::testing::TestParamInfo<StsScenario>>);

const Finding* find(const Report& r, const std::string& id) {
  for (const auto& a : r.areas) {
    for (const auto& f : a.findings) {
      if (f.id == id) return &f;
    }
  }
  return nullptr;
}

TEST(LabMtaStsDetails, PolicyAndHosts) {
  Report r = audit("sts-wildcard.co.nz");
  const auto& d = r.area(Area::kMtaSts)->details;
  EXPECT_EQ(d["mode"], "enforce");
  EXPECT_EQ(d["fetch"]["status"], 200);
  ASSERT_EQ(d["hosts"].size(), 2u);
  for (const auto& h : d["hosts"]) {
    EXPECT_EQ(h["listed"], true) << h.dump();
    for (const auto& a : h["addresses"]) EXPECT_EQ(a["ok"], true) << a.dump();
  }
}

TEST(LabMtaStsDetails, NoneGetsRecordsWithTheRealMxNames) {
  Report r = audit("good.co.nz");
  const Finding* f = find(r, "mta_sts.none");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("_mta-sts.good.co.nz. 3600 IN TXT \"v=STSv1; id="),
            std::string::npos);
  EXPECT_NE(f->recommendation.find("mx: mx1.good.co.nz\nmx: mx2.good.co.nz\n"), std::string::npos)
      << f->recommendation;
  EXPECT_NE(f->recommendation.find("_smtp._tls.good.co.nz. 3600 IN TXT \"v=TLSRPTv1;"),
            std::string::npos);
}

TEST(LabMtaStsDetails, TlsRptIsExpectedWithMtaSts) {
  // sts-testing.co.nz runs MTA-STS without TLS-RPT: the tls_rpt check says that matters.
  Report r = audit("sts-testing.co.nz");
  EXPECT_EQ(finding_ids(r, Area::kTlsRpt), std::vector<std::string>{"tls_rpt.missing_with_dane"});
}

TEST(LabMtaStsDetails, MalformedPatternGetsTheCorrectedLine) {
  Report r = audit("sts-mx-dot.co.nz");
  for (const auto& f : r.area(Area::kMtaSts)->findings) {
    if (f.id != "mta_sts.mx_pattern_malformed") continue;
    EXPECT_NE(f.summary.find("lenient ones match mx.sts-mx-dot.co.nz"), std::string::npos)
        << f.summary;
    EXPECT_NE(f.recommendation.find("mx: mx.sts-mx-dot.co.nz\n"), std::string::npos)
        << f.recommendation;
    return;
  }
  ADD_FAILURE() << "no mta_sts.mx_pattern_malformed finding";
}

}  // namespace
}  // namespace mc::lab
