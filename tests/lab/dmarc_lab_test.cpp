// dmarc_lab_test.cpp - details of the dmarc check on the lab's dmarc-*.co.nz zones and the govt.nz
// suffix (lab/README.md) beyond status and finding ids, which lab/expect/dmarc.tsv holds: policy
// discovery as RFC 9989 receivers do it (DNS Tree Walk, psd=y/n, the label shortcut) beside RFC
// 7489 receivers (Public Suffix List); the external report destination check.
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
