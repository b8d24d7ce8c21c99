// dmarc_lab_test.cpp - the dmarc check against the lab's dmarc-*.co.nz zones and the govt.nz
// suffix (lab/README.md): status and finding ids per behaviour; policy discovery as RFC 9989
// receivers do it (DNS Tree Walk, psd=y/n, the label shortcut) beside RFC 7489 receivers (Public
// Suffix List); the external report destination check; all through the real resolver.
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
        // t=y alone: RFC 9989 receivers apply none, RFC 7489 ones the full quarantine.
        DmarcScenario{"dmarc-testing.co.nz", kWarn,
                      V{"dmarc.receivers_differ", "dmarc.testing_mode"}},
        DmarcScenario{"dmarc-no-rua.co.nz", kPass, V{"dmarc.no_rua"}},
        DmarcScenario{"dmarc-badtag.co.nz", kWarn, V{"dmarc.tag_invalid"}},
        DmarcScenario{"dmarc-ruf.co.nz", kPass, V{"dmarc.ruf_requested"}},
        DmarcScenario{"dmarc-p-late.co.nz", kWarn, V{"dmarc.p_not_second", "dmarc.uri_scheme"}},
        DmarcScenario{"dmarc-ext-ok.co.nz", kPass, V{}},
        DmarcScenario{"dmarc-ext-bad.co.nz", kWarn, V{"dmarc.external_unauthorized"}},
        DmarcScenario{"dmarc-ext-override.co.nz", kWarn, V{"dmarc.external_override_invalid"}},
        // Own record, no parent record: RFC 9989's Organizational Domain is the name itself.
        DmarcScenario{"mail.dmarc-orgdiff.co.nz", kPass, V{"dmarc.org_domain_differs"}},
        // Own record, but the walk's next lookup SERVFAILs: the policy stands, the
        // Organizational Domain is undetermined (and not reported as differing).
        DmarcScenario{"mail.dmarc-walkfail.co.nz", kPass, V{"dmarc.walk_incomplete"}},
        // The authorization name would exceed 253 octets: nobody can authorise it.
        DmarcScenario{
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.dmarc-longauth.co.nz",
            kWarn, V{"dmarc.external_unauthorized"}},
        // RFC 9989: an intermediate psd=n record that the PSL path skips.
        DmarcScenario{"mail.dept.dmarc-psd-n.co.nz", kWarn,
                      V{"dmarc.inherited", "dmarc.receivers_differ"}},
        // The walk's label shortcut skips c.d.e.f.g's psd=n record: both rule sets agree.
        DmarcScenario{"a.b.c.d.e.f.g.dmarc-long.co.nz", kPass, V{"dmarc.inherited"}},
        // A public suffix operator's psd=y policy: RFC 7489 receivers see no DMARC.
        DmarcScenario{"agency.govt.nz", kWarn, V{"dmarc.psd_policy", "dmarc.receivers_differ"}},
        DmarcScenario{"own.govt.nz", kPass, V{"dmarc.policy_quarantine"}},
        DmarcScenario{"dmarc-obsolete.co.nz", kPass,
                      V{"dmarc.obsolete_tag", "dmarc.size_limit_obsolete", "dmarc.unknown_tag"}},
        DmarcScenario{"dmarc-trial.co.nz", kWarn, V{"dmarc.testing_mode"}},
        DmarcScenario{"dmarc-no-p.co.nz", kWarn, V{"dmarc.p_missing", "dmarc.policy_none"}},
        DmarcScenario{"dmarc-np.co.nz", kWarn, V{"dmarc.np_weaker"}},
        // A name that does not exist gets np (RFC 9989 §3.2.13), which RFC 7489 does not know.
        DmarcScenario{"ghost.dmarc-np.co.nz", kWarn,
                      V{"dmarc.inherited", "dmarc.policy_none", "dmarc.receivers_differ"}}),
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

TEST(LabDmarcDetails, TreeWalkAndPublicSuffixListSideBySide) {
  Report r = audit("mail.dept.dmarc-psd-n.co.nz");
  const auto& rs = r.area(Area::kDmarc)->details["rulesets"];
  EXPECT_EQ(rs["rfc9989"]["policy_domain"], "dept.dmarc-psd-n.co.nz");
  EXPECT_EQ(rs["rfc9989"]["organizational_domain"], "dept.dmarc-psd-n.co.nz");
  EXPECT_EQ(rs["rfc9989"]["policy"], "reject");
  EXPECT_EQ(rs["rfc7489"]["policy_domain"], "dmarc-psd-n.co.nz");
  EXPECT_EQ(rs["rfc7489"]["organizational_domain"], "dmarc-psd-n.co.nz");
  EXPECT_EQ(rs["rfc7489"]["policy"], "none");
  const Finding* f = find(r, "dmarc.receivers_differ");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->rule_set, "both");
  ASSERT_EQ(f->evidence.size(), 2u);
  EXPECT_NE(f->evidence[0].find("RFC 9989"), std::string::npos);
  EXPECT_NE(f->recommendation.find("_dmarc.mail.dept.dmarc-psd-n.co.nz. 3600 IN TXT"),
            std::string::npos)
      << f->recommendation;
}

TEST(LabDmarcDetails, TheWalkTakesTheLabelShortcut) {
  Report r = audit("a.b.c.d.e.f.g.dmarc-long.co.nz");
  const auto& bis = r.area(Area::kDmarc)->details["rulesets"]["rfc9989"];
  // 10 labels: the author, then the 7-label suffix: c.d.e.f.g (psd=n, p=none) is never asked.
  EXPECT_EQ(bis["queried"], nlohmann::json::parse(R"([
      "_dmarc.a.b.c.d.e.f.g.dmarc-long.co.nz", "_dmarc.d.e.f.g.dmarc-long.co.nz",
      "_dmarc.e.f.g.dmarc-long.co.nz", "_dmarc.f.g.dmarc-long.co.nz", "_dmarc.g.dmarc-long.co.nz",
      "_dmarc.dmarc-long.co.nz", "_dmarc.co.nz", "_dmarc.nz"])"));
  EXPECT_EQ(bis["policy_domain"], "dmarc-long.co.nz");
  EXPECT_EQ(bis["policy"], "reject");
}

TEST(LabDmarcDetails, PublicSuffixPolicyAndItsReports) {
  Report r = audit("agency.govt.nz");
  const auto& d = r.area(Area::kDmarc)->details;
  EXPECT_EQ(d["rulesets"]["rfc9989"]["level"], "public_suffix");
  EXPECT_EQ(d["rulesets"]["rfc9989"]["organizational_domain"], "agency.govt.nz");
  EXPECT_EQ(d["rulesets"]["rfc7489"]["outcome"], "none");
  // The suffix's own mailbox is external to agency.govt.nz (RFC 9990 §4); the wildcard
  // *._report._dmarc.govt.nz authorises it.
  ASSERT_EQ(d["external_destinations"].size(), 1u);
  EXPECT_EQ(d["external_destinations"][0]["name"], "govt.nz._report._dmarc.govt.nz");
  EXPECT_EQ(d["external_destinations"][0]["authorized"], true);
  // The own record suggested keeps the suffix's p=reject: advice never weakens a policy.
  const Finding* f = find(r, "dmarc.psd_policy");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("_dmarc.agency.govt.nz. 3600 IN TXT \"v=DMARC1; p=reject; "
                                   "rua=mailto:dmarc-reports@agency.govt.nz\""),
            std::string::npos)
      << f->recommendation;
}

TEST(LabDmarcDetails, TrialAdviceWorksForBothKindsOfReceiver) {
  Report r = audit("dmarc-quarantine.co.nz");
  const Finding* f = find(r, "dmarc.policy_quarantine");
  ASSERT_NE(f, nullptr);
  // The next step drops the obsolete pct; the trial is t=y with pct=0 (RFC 9989 App. A.6).
  EXPECT_NE(
      f->recommendation.find("\"v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-quarantine.co.nz\""),
      std::string::npos)
      << f->recommendation;
  EXPECT_NE(f->recommendation.find(
                "v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-quarantine.co.nz; t=y; pct=0"),
            std::string::npos)
      << f->recommendation;
  Report trial = audit("dmarc-trial.co.nz");
  const Finding* t = find(trial, "dmarc.testing_mode");
  ASSERT_NE(t, nullptr);
  EXPECT_NE(t->summary.find("every receiver applies p=quarantine"), std::string::npos)
      << t->summary;
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
