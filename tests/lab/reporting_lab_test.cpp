// reporting_lab_test.cpp - the tls_rpt and bimi checks against the lab's tlsrpt-* and bimi-*
// zones, and TLS-RPT advice that depends on DANE being in use (dane-ok.co.nz).
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct AreaScenario {
  const char* domain;
  Area area;
  Status status;
  std::vector<std::string> ids;
};

void PrintTo(const AreaScenario& s, std::ostream* os) {
  *os << s.domain << " " << to_string(s.area);
}

class LabReporting : public ::testing::TestWithParam<AreaScenario> {};

TEST_P(LabReporting, StatusAndFindings) {
  const AreaScenario& s = GetParam();
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* a = r.area(s.area);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(to_string(a->status), to_string(s.status)) << a->summary;
  EXPECT_EQ(finding_ids(r, s.area), s.ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone;
constexpr Area kTlsRpt = Area::kTlsRpt, kBimi = Area::kBimi;

std::string name(const ::testing::TestParamInfo<AreaScenario>& info) {
  std::string n = std::string(info.param.domain) + "_" + std::string(to_string(info.param.area));
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Domains, LabReporting,
    ::testing::Values(
        AreaScenario{"tlsrpt-ok.co.nz", kTlsRpt, kPass, V{}},
        AreaScenario{"tlsrpt-bad.co.nz", kTlsRpt, kFail, V{"tls_rpt.invalid"}},
        AreaScenario{"tlsrpt-multiple.co.nz", kTlsRpt, kFail, V{"tls_rpt.multiple_records"}},
        AreaScenario{"good.co.nz", kTlsRpt, kNone, V{"tls_rpt.none"}},
        AreaScenario{"nullmx.co.nz", kTlsRpt, kNone, V{}},
        AreaScenario{"bogus.co.nz", kTlsRpt, Status::kError, V{"tls_rpt.lookup_failed"}},
        AreaScenario{"bogus.co.nz", kBimi, kNone, V{}},  // information only: never an error
        AreaScenario{"dane-ok.co.nz", kTlsRpt, kNone, V{"tls_rpt.missing_with_dane"}},
        AreaScenario{"bimi-ok.co.nz", kBimi, kPass, V{}},
        AreaScenario{"bimi-weak-dmarc.co.nz", kBimi, kWarn, V{"bimi.dmarc_not_enforcing"}},
        AreaScenario{"bimi-bad.co.nz", kBimi, kWarn, V{"bimi.invalid"}},
        AreaScenario{"bimi-nocert.co.nz", kBimi, kPass, V{"bimi.no_certificate"}},
        AreaScenario{"bimi-sp-none.co.nz", kBimi, kWarn, V{"bimi.dmarc_not_enforcing"}},
        AreaScenario{"good.co.nz", kBimi, kNone, V{}}),
    name);

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
