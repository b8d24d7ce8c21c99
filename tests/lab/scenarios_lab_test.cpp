// scenarios_lab_test.cpp - details of the mx and dnssec checks on lab domains (lab/README.md)
// beyond status and finding ids, which lab/expect/mx-dnssec.tsv holds (verdicts_lab_test.cpp).
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

TEST(LabDetails, GoodDomainHostsCarryAddressesAndStates) {
  Report r = audit("good.co.nz");
  const auto& mx = r.area(Area::kMx)->details;
  ASSERT_EQ(mx["hosts"].size(), 2u);
  EXPECT_EQ(mx["hosts"][0]["name"], "mx1.good.co.nz");
  EXPECT_EQ(mx["hosts"][0]["ipv4"][0], "127.25.0.1");
  EXPECT_EQ(mx["hosts"][0]["ipv6"][0], "2001:db8:25::1");
  EXPECT_EQ(mx["hosts"][1]["ipv6"].size(), 0u);
  EXPECT_EQ(mx["lookup"]["dnssec"], "secure");
  const auto& d = r.area(Area::kDnssec)->details;
  EXPECT_EQ(d["state"], "secure");
  EXPECT_EQ(d["algorithms"][0]["number"], 13);
  EXPECT_EQ(d["hosts"][0]["state"], "secure");
}

TEST(LabDetails, BogusFindingNamesTheValidatorsReason) {
  Report r = audit("bogus.co.nz");
  const auto* d = r.area(Area::kDnssec);
  ASSERT_FALSE(d->findings.empty());
  EXPECT_NE(d->findings[0].summary.find("fails:"), std::string::npos) << d->findings[0].summary;
  EXPECT_FALSE(d->findings[0].evidence.empty());
}

TEST(LabDetails, UnsignedHostRecommendationNamesTheHost) {
  Report r = audit("mx-unsigned-host.co.nz");
  const auto* d = r.area(Area::kDnssec);
  ASSERT_EQ(d->findings.size(), 1u);
  EXPECT_EQ(d->findings[0].subject, "mx.unsigned.co.nz");
}

}  // namespace
}  // namespace mc::lab
