// dmarc_lab_test.cpp - the dmarc check against the lab's dmarc-*.co.nz zones (lab/README.md):
// status and finding ids per behaviour, organizational-domain fallback through the Public Suffix
// List (.co.nz), and the external report destination check, through the real resolver.
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct DmarcScenario {
  const char* domain;
  Status status;
  std::vector<std::string> ids;
};

void PrintTo(const DmarcScenario& s, std::ostream* os) { *os << s.domain; }

class LabDmarc : public ::testing::TestWithParam<DmarcScenario> {};

TEST_P(LabDmarc, StatusAndFindings) {
  const DmarcScenario& s = GetParam();
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* a = r.area(Area::kDmarc);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(to_string(a->status), to_string(s.status)) << a->summary;
  EXPECT_EQ(finding_ids(r, Area::kDmarc), s.ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone, kError = Status::kError;

INSTANTIATE_TEST_SUITE_P(
    Domains, LabDmarc,
    ::testing::Values(
        DmarcScenario{"dmarc-reject.co.nz", kPass, V{}},
        DmarcScenario{"sub.dmarc-reject.co.nz", kPass, V{"dmarc.inherited"}},
        DmarcScenario{"good.co.nz", kNone, V{"dmarc.none"}},
        DmarcScenario{"bogus.co.nz", kError, V{"dmarc.lookup_failed"}},
        DmarcScenario{"dmarc-none.co.nz", kWarn, V{"dmarc.policy_none"}},
        DmarcScenario{"dmarc-quarantine.co.nz", kWarn,
                      V{"dmarc.pct_partial", "dmarc.policy_quarantine"}},
        DmarcScenario{"dmarc-multiple.co.nz", kFail, V{"dmarc.multiple_records"}},
        DmarcScenario{"dmarc-syntax.co.nz", kFail, V{"dmarc.syntax_error"}},
        DmarcScenario{"dmarc-not-first.co.nz", kFail, V{"dmarc.invalid_record"}},
        DmarcScenario{"dmarc-sp-none.co.nz", kWarn, V{"dmarc.subdomain_policy_weaker"}},
        DmarcScenario{"sub.dmarc-sp-none.co.nz", kWarn, V{"dmarc.inherited", "dmarc.policy_none"}},
        DmarcScenario{"dmarc-testing.co.nz", kWarn, V{"dmarc.policy_none", "dmarc.testing_mode"}},
        DmarcScenario{"dmarc-no-rua.co.nz", kPass, V{"dmarc.no_rua"}},
        DmarcScenario{"dmarc-badtag.co.nz", kWarn, V{"dmarc.tag_invalid"}},
        DmarcScenario{"dmarc-ruf.co.nz", kPass, V{"dmarc.ruf_requested"}},
        DmarcScenario{"dmarc-p-late.co.nz", kPass, V{"dmarc.p_not_second", "dmarc.uri_scheme"}},
        DmarcScenario{"dmarc-ext-ok.co.nz", kPass, V{}},
        DmarcScenario{"dmarc-ext-bad.co.nz", kWarn, V{"dmarc.external_unauthorized"}}),
    domain_test_name<::testing::TestParamInfo<DmarcScenario>>);

const Finding* find(const Report& r, const std::string& id) {
  for (const auto& a : r.areas) {
    for (const auto& f : a.findings) {
      if (f.id == id) return &f;
    }
  }
  return nullptr;
}

TEST(LabDmarcDetails, NoneGetsTheNextStepRecord) {
  Report r = audit("dmarc-none.co.nz");
  const Finding* f = find(r, "dmarc.policy_none");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("_dmarc.dmarc-none.co.nz. 3600 IN TXT \"v=DMARC1; "
                                   "p=quarantine; rua=mailto:dmarc@dmarc-none.co.nz\""),
            std::string::npos)
      << f->recommendation;
}

TEST(LabDmarcDetails, InheritedSpIsWhatTheAdviceChanges) {
  // The subdomain lives on sp=none: the next step raises sp, never the parent's p=reject.
  Report r = audit("sub.dmarc-sp-none.co.nz");
  const Finding* f = find(r, "dmarc.policy_none");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("\"v=DMARC1; p=reject; sp=quarantine; "
                                   "rua=mailto:dmarc@dmarc-sp-none.co.nz\""),
            std::string::npos)
      << f->recommendation;
}

TEST(LabDmarcDetails, SyntaxErrorGetsAValidRecord) {
  Report r = audit("dmarc-syntax.co.nz");
  const Finding* f = find(r, "dmarc.syntax_error");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("\"v=DMARC1; p=none; rua=mailto:dmarc@dmarc-syntax.co.nz\""),
            std::string::npos)
      << f->recommendation;
}

TEST(LabDmarcDetails, SubdomainUsesTheOrganizationalDomainFromThePsl) {
  Report r = audit("sub.dmarc-reject.co.nz");
  const auto& d = r.area(Area::kDmarc)->details;
  EXPECT_EQ(d["organizational_domain"], "dmarc-reject.co.nz");  // co.nz is a public suffix
  EXPECT_EQ(d["inherited"], true);
  EXPECT_EQ(d["policy"], "reject");
}

TEST(LabDmarcDetails, ExternalDestinationNamesTheRecordToPublish) {
  Report r = audit("dmarc-ext-bad.co.nz");
  const Finding* f = find(r, "dmarc.external_unauthorized");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find(
                "dmarc-ext-bad.co.nz._report._dmarc.dmarc-reports.co.nz. 3600 IN TXT \"v=DMARC1\""),
            std::string::npos)
      << f->recommendation;
  Report ok = audit("dmarc-ext-ok.co.nz");
  EXPECT_EQ(ok.area(Area::kDmarc)->details["external_destinations"][0]["authorized"], true);
}

TEST(LabDmarcDetails, SoftfailAdviceDependsOnDmarc) {
  // spf-softfail.co.nz has ~all and no DMARC: the advice is to enforce one or the other.
  Report r = audit("spf-softfail.co.nz");
  const Finding* f = find(r, "spf.softfail_all");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("without an enforcing DMARC policy"), std::string::npos) << f->summary;
}

}  // namespace
}  // namespace mc::lab
