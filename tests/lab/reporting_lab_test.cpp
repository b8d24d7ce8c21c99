// reporting_lab_test.cpp - details of the tls_rpt and bimi checks on the lab's tlsrpt-* and bimi-*
// zones. Status and finding ids: lab/expect/reporting.tsv (verdicts_lab_test.cpp).
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

TEST(LabShowcase, TheDemoDomainPassesEveryCheck) {
  // showcase.co.nz is what scripts/audit.sh shows by default: it must stay a full, passing report.
  Report r = audit("showcase.co.nz");
  ASSERT_TRUE(r.grade);
  EXPECT_EQ(r.grade->letter, "A");
  EXPECT_EQ(r.grade->score, 100);
  for (const auto& a : r.areas) {
    const auto want = a.area == Area::kMtaSts ? Status::kNone : Status::kPass;
    EXPECT_EQ(to_string(a.status), to_string(want)) << to_string(a.area) << ": " << a.summary;
  }
}

TEST(LabReportingDetails, BrokenBimiOnlyWarns) {
  // Information only: even an invalid record is a warning, never a failure of the area.
  Report r = audit("bimi-bad.co.nz");
  EXPECT_EQ(to_string(r.area(Area::kBimi)->status), "warn");
  EXPECT_EQ(r.area(Area::kTlsRpt)->details["name"], "_smtp._tls.bimi-bad.co.nz");
}

TEST(LabReportingDetails, TlsRptDestinations) {
  Report r = audit("tlsrpt-ok.co.nz");
  EXPECT_EQ(r.area(Area::kTlsRpt)->details["rua"],
            nlohmann::json::array(
                {"mailto:tlsrpt@tlsrpt-ok.co.nz", "https://reports.tlsrpt-ok.co.nz/v1"}));
}

}  // namespace
}  // namespace mc::lab
