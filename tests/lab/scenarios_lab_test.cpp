// scenarios_lab_test.cpp - one lab domain per behaviour (lab/README.md), audited end to end
// through the real resolver stack; each asserts the mx and dnssec statuses and finding ids.
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct Scenario {
  const char* domain;
  Status mx;
  std::vector<std::string> mx_ids;
  Status dnssec;
  std::vector<std::string> dnssec_ids;
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.domain; }

class LabScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(LabScenario, StatusAndFindings) {
  const Scenario& s = GetParam();
  // Short per-query deadline so the black-holed zone answers "timeout" quickly.
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* mx = r.area(Area::kMx);
  const AreaReport* dnssec = r.area(Area::kDnssec);
  ASSERT_NE(mx, nullptr);
  ASSERT_NE(dnssec, nullptr);
  EXPECT_EQ(to_string(mx->status), to_string(s.mx)) << mx->summary;
  EXPECT_EQ(finding_ids(r, Area::kMx), s.mx_ids);
  EXPECT_EQ(to_string(dnssec->status), to_string(s.dnssec)) << dnssec->summary;
  EXPECT_EQ(finding_ids(r, Area::kDnssec), s.dnssec_ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone, kError = Status::kError;

INSTANTIATE_TEST_SUITE_P(
    Domains, LabScenario,
    ::testing::Values(
        Scenario{"good.co.nz", kPass, V{}, kPass, V{}},
        Scenario{"shop.good.co.nz", kPass, V{"mx.domain_is_alias"}, kPass, V{}},
        Scenario{"nullmx.co.nz", kPass, V{"mx.null_mx"}, kPass, V{}},
        Scenario{"nullmx-mixed.co.nz", kFail, V{"mx.null_mx_mixed"}, kPass, V{}},
        Scenario{"nullmx-pref.co.nz", kFail, V{"mx.null_mx_preference"}, kPass, V{}},
        Scenario{"implicit-mx.co.nz", kWarn, V{"mx.implicit"}, kPass, V{}},
        Scenario{"no-mail-host.co.nz", kFail, V{"mx.no_mail_host"}, kPass, V{}},
        Scenario{"mx-cname.co.nz", kWarn, V{"mx.target_cname"}, kPass, V{}},
        Scenario{"mx-noaddr.co.nz", kFail, V{"mx.no_usable_host", "mx.target_no_address"}, kPass,
                 V{}},
        Scenario{"mx-partial.co.nz", kWarn, V{"mx.target_no_address"}, kPass, V{}},
        Scenario{"mx-duplicate.co.nz", kWarn, V{"mx.duplicate_host", "mx.equal_preference"}, kPass,
                 V{}},
        Scenario{"mx-ip-literal.co.nz", kFail, V{"mx.ip_literal", "mx.no_usable_host"}, kPass, V{}},
        Scenario{"unsigned.co.nz", kPass, V{"mx.no_ipv6"}, kNone, V{"dnssec.unsigned"}},
        Scenario{"mx-unsigned-host.co.nz", kPass, V{"mx.no_ipv6"}, kWarn,
                 V{"dnssec.mx_host_insecure"}},
        Scenario{"bogus.co.nz", kFail, V{"mx.lookup_failed"}, kFail, V{"dnssec.bogus"}},
        Scenario{"bogus-ds.co.nz", kFail, V{"mx.lookup_failed"}, kFail, V{"dnssec.bogus"}},
        Scenario{"mx-bogus-host.co.nz", kFail, V{"mx.no_usable_host", "mx.target_lookup_failed"},
                 kFail, V{"dnssec.mx_host_bogus"}},
        Scenario{"servfail.co.nz", kError, V{"mx.lookup_failed"}, kError,
                 V{"dnssec.indeterminate"}},
        Scenario{"timeout.co.nz", kError, V{"mx.lookup_failed"}, kError, V{"dnssec.indeterminate"}},
        Scenario{"xn--mller-kva.co.nz", kPass, V{}, kPass, V{}},
        Scenario{"nsec3.co.nz", kPass, V{}, kPass, V{}},
        Scenario{"nsec3-iter.co.nz", kPass, V{}, kWarn,
                 V{"dnssec.nsec3_iterations", "dnssec.nsec3_salt"}},
        Scenario{"does-not-exist.co.nz", kFail, V{"mx.nxdomain"}, kNone, V{}}),
    domain_test_name<::testing::TestParamInfo<Scenario>>);

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
