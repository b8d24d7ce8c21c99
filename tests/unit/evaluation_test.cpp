// evaluation_test.cpp - status_from, the one rule that turns an evaluation into a status.
#include "core/evaluation.hpp"

#include <gtest/gtest.h>

#include "core/findings.hpp"

namespace mc {
namespace {

std::vector<Finding> with(std::initializer_list<std::string_view> ids) {
  std::vector<Finding> out;
  for (auto id : ids) out.push_back(make_finding(id, "example.co.nz", "summary"));
  return out;
}

TEST(StatusFrom, WorstCatalogueSeverityDecides) {
  EXPECT_EQ(status_from({}, AreaState::kEvaluated), Status::kPass);
  EXPECT_EQ(status_from(with({"mx.no_ipv6"}), AreaState::kEvaluated), Status::kPass);  // info
  EXPECT_EQ(status_from(with({"mx.no_ipv6", "mx.implicit"}), AreaState::kEvaluated), Status::kWarn);
  EXPECT_EQ(status_from(with({"mx.implicit", "mx.no_usable_host"}), AreaState::kEvaluated),
            Status::kFail);
}

TEST(StatusFrom, StateOverridesSeverities) {
  // Not deployed stays none though the advice is a warning; undetermined stays error.
  EXPECT_EQ(status_from(with({"tls_rpt.missing_with_dane"}), AreaState::kNotDeployed),
            Status::kNone);
  EXPECT_EQ(status_from(with({"mx.lookup_failed"}), AreaState::kUndetermined), Status::kError);
  EXPECT_EQ(status_from({}, AreaState::kUndetermined), Status::kError);
}

TEST(AreaReportOf, TheStatusIsDerivedNotCopied) {
  Evaluation ev;
  ev.add("mx.implicit", "example.co.nz", "no MX records");
  EXPECT_TRUE(ev.has("mx.implicit"));
  EXPECT_FALSE(ev.has("mx.no_ipv6"));
  AreaReport r = area_report(Area::kMx, ev, {"implicit MX", {{"label", "value"}}, {{"k", 1}}});
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(r.summary, "implicit MX");
  EXPECT_EQ(r.facts.size(), 1u);
  EXPECT_EQ(r.details["k"], 1);
  EXPECT_EQ(r.findings.size(), 1u);
}

}  // namespace
}  // namespace mc
