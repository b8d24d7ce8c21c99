// score_test.cpp - the grade rules of docs/scoring.md on hand-made reports.
#include "audit/score.hpp"

#include <gtest/gtest.h>

#include "audit/audit_data.hpp"
#include "core/findings.hpp"
#include "report/render.hpp"
#include "test_support.hpp"

namespace mc::audit {
namespace {

Report report(std::initializer_list<std::pair<Area, Status>> areas, bool null_mx = false) {
  Report r = test::report_with(areas);
  AuditData data;
  data.mx.emplace();
  if (null_mx) data.mx->entries.push_back({0, "."});  // RFC 7505 §3
  r.data = std::make_shared<const AuditData>(std::move(data));
  return r;
}

constexpr auto P = Status::kPass, W = Status::kWarn, F = Status::kFail, N = Status::kNone,
               E = Status::kError;

Report everything_right() {
  return report({{Area::kMx, P},
                 {Area::kDnssec, P},
                 {Area::kDane, P},
                 {Area::kStarttls, P},
                 {Area::kMtaSts, N},
                 {Area::kTlsRpt, P},
                 {Area::kSpf, P},
                 {Area::kDkim, P},
                 {Area::kDmarc, P},
                 {Area::kBimi, N}});
}

TEST(Score, EverythingRight) {
  auto g = grade(everything_right());
  EXPECT_EQ(g.score, 100);
  EXPECT_EQ(g.letter, "A");
  EXPECT_FALSE(g.incomplete);
  EXPECT_TRUE(g.capped_by.empty());
}

TEST(Score, AnAreaNotTestedLeavesTheGradeIncomplete) {
  auto r = everything_right();
  std::erase_if(r.areas, [](const AreaReport& a) { return a.area == Area::kDkim; });
  EXPECT_FALSE(grade(r).incomplete);
  r.not_tested.push_back({Area::kDkim, "not guessed"});
  auto g = grade(r);
  EXPECT_TRUE(g.incomplete);
  EXPECT_EQ(g.score, 100);                      // judged on what was tested
  r.not_tested = {{Area::kBimi, "not asked"}};  // information only: weight 0
  EXPECT_FALSE(grade(r).incomplete);
}

TEST(Score, DaneOrMtaStsEitherAuthenticates) {
  auto with_sts = grade(report({{Area::kMx, P},
                                {Area::kDnssec, N},
                                {Area::kDane, N},
                                {Area::kStarttls, P},
                                {Area::kMtaSts, P},
                                {Area::kTlsRpt, P},
                                {Area::kSpf, P},
                                {Area::kDkim, P},
                                {Area::kDmarc, P}}));
  // Only dnssec (10 of 100) is missing.
  EXPECT_EQ(with_sts.score, 90);
  EXPECT_EQ(with_sts.letter, "A");
}

TEST(Score, WeightedAverage) {
  // starttls warn (20 x 60), dkim none (10 x 0), the rest pass: (100*70 + 1200 + 0) / 100.
  auto g = grade(report({{Area::kMx, P},
                         {Area::kDnssec, P},
                         {Area::kDane, P},
                         {Area::kStarttls, W},
                         {Area::kTlsRpt, P},
                         {Area::kSpf, P},
                         {Area::kDkim, N},
                         {Area::kDmarc, P}}));
  EXPECT_EQ(g.score, 82);
  EXPECT_EQ(g.letter, "B");
}

TEST(Score, AFailCapsAtC) {
  auto g = grade(report({{Area::kMx, P},
                         {Area::kDnssec, P},
                         {Area::kDane, P},
                         {Area::kStarttls, P},
                         {Area::kTlsRpt, P},
                         {Area::kSpf, F},
                         {Area::kDkim, P},
                         {Area::kDmarc, P}}));
  EXPECT_EQ(g.score, 85);
  EXPECT_EQ(g.letter, "C");
  EXPECT_EQ(g.capped_by, "a scored check failed");
}

TEST(Score, BrokenMxIsF) {
  auto g = grade(report({{Area::kMx, F}, {Area::kDnssec, P}, {Area::kSpf, P}, {Area::kDmarc, P}}));
  EXPECT_EQ(g.letter, "F");
  EXPECT_NE(g.capped_by.find("mx"), std::string::npos);
}

TEST(Score, ErrorsAreLeftOutAndSaidSo) {
  auto g = grade(report({{Area::kMx, P},
                         {Area::kDnssec, P},
                         {Area::kDane, P},
                         {Area::kStarttls, P},
                         {Area::kTlsRpt, P},
                         {Area::kSpf, E},
                         {Area::kDkim, P},
                         {Area::kDmarc, P}}));
  EXPECT_TRUE(g.incomplete);
  EXPECT_EQ(g.score, 100);  // over the 85 points that could be judged
}

TEST(Score, NullMxIsJudgedAsANonMailDomain) {
  // No DKIM keys, no STARTTLS, no DANE: none of that is expected of a domain that sends no mail.
  auto g = grade(report({{Area::kMx, P},
                         {Area::kDnssec, P},
                         {Area::kDane, N},
                         {Area::kStarttls, N},
                         {Area::kTlsRpt, N},
                         {Area::kSpf, P},
                         {Area::kDkim, N},
                         {Area::kDmarc, P}},
                        true));
  EXPECT_TRUE(g.non_mail_domain);
  EXPECT_EQ(g.score, 100);
  EXPECT_EQ(g.letter, "A");
  auto weak =
      grade(report({{Area::kMx, P}, {Area::kDnssec, P}, {Area::kSpf, P}, {Area::kDmarc, W}}, true));
  EXPECT_EQ(weak.score, 84);  // dmarc not at reject (40 x 60)
}

TEST(Score, BimiNeverCountsAsAFailure) {
  // The exit-code view (Report::any_failed) and the grade both ignore the information-only area.
  Report r = report({{Area::kMx, P}, {Area::kSpf, P}, {Area::kBimi, F}});
  EXPECT_FALSE(r.any_failed());
  EXPECT_TRUE(grade(r).capped_by.empty());
  r.areas[1].status = F;
  EXPECT_TRUE(r.any_failed());
}

TEST(Recommendations, CriticalFirstThenByArea) {
  Report r = report({{Area::kMx, P}, {Area::kDnssec, N}, {Area::kSpf, W}, {Area::kDmarc, N}});
  r.areas[1].findings.push_back(make_finding("dnssec.unsigned", "d", "s", {}, "sign it"));
  r.areas[2].findings.push_back(make_finding("spf.neutral_all", "d", "s", {}, "use ~all"));
  r.areas[2].findings.push_back(make_finding("spf.pass_all", "d", "s", {}, "use -all"));
  r.areas[2].findings.push_back(make_finding("spf.redirect_ignored", "d", "s"));  // no fix
  r.areas[3].findings.push_back(make_finding("dmarc.none", "d", "s", {}, "publish"));
  std::vector<std::string> ids;
  for (const Finding* f : report::by_impact(r)) ids.push_back(f->id);
  // critical; then warnings: dmarc before spf before dnssec; findings without a fix left out.
  EXPECT_EQ(ids, (std::vector<std::string>{"spf.pass_all", "dmarc.none", "spf.neutral_all",
                                           "dnssec.unsigned"}));
}

}  // namespace
}  // namespace mc::audit
