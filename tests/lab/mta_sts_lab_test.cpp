// mta_sts_lab_test.cpp - details of the mta_sts check on the lab's sts-*.co.nz domains
// (lab/README.md): real HTTPS policy servers, real SMTP servers behind the MX records. Status and
// finding ids: lab/expect/mta-sts.tsv (verdicts_lab_test.cpp).
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

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
