// bimi_test.cpp - the bimi check's pure evaluation and view, from constructed answers and DMARC
// conclusions: every bimi finding id, the DMARC precondition, and every DNS state.
#include "checks/bimi.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace mc::checks {
namespace {

using test::ids;
using V = std::vector<std::string>;
constexpr const char* kOwner = "default._bimi.example.co.nz";
constexpr const char* kGood =
    "v=BIMI1; l=https://example.co.nz/logo.svg; a=https://example.co.nz/vmc.pem";

// dmarc - what both kinds of receiver found at _dmarc.example.co.nz.
DmarcData dmarc(const std::string& record) {
  DmarcData d;
  d.domain = "example.co.nz";
  d.org_domain = "example.co.nz";
  for (auto* disc : {&d.rfc9989, &d.rfc7489}) {
    disc->outcome =
        record.empty() ? policy::dmarc::Outcome::kNone : policy::dmarc::Outcome::kRecord;
    disc->policy_domain = "example.co.nz";
    disc->record = record;
    disc->org_domain = "example.co.nz";
  }
  d.rfc7489.rules = policy::dmarc::RuleSet::kRfc7489;
  return d;
}

AreaReport report(dns::Answer txt, const std::string& dmarc_record = "v=DMARC1; p=reject") {
  BimiData d;
  d.domain = "example.co.nz";
  d.txt = std::move(txt);
  return bimi_report(d, dmarc(dmarc_record));
}

TEST(BimiCheck, RecordWithCertificateAndEnforcingDmarcPasses) {
  for (auto security : {dns::Security::kSecure, dns::Security::kInsecure}) {
    AreaReport r = report(test::txt(kOwner, {kGood}, security));
    EXPECT_EQ(r.status, Status::kPass);
    EXPECT_EQ(ids(r), V{});
    EXPECT_EQ(r.details["dmarc_enforcing"], true);
    EXPECT_EQ(r.summary, "BIMI published, DMARC precondition met");
  }
}

TEST(BimiCheck, NoCertificateIsInformation) {
  AreaReport r = report(test::txt(kOwner, {"v=BIMI1; l=https://example.co.nz/logo.svg"}));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"bimi.no_certificate"});
}

TEST(BimiCheck, InvalidOrSeveralRecordsWarn) {
  EXPECT_EQ(ids(report(test::txt(kOwner, {"v=BIMI1; l=http://example.co.nz/logo.svg"}))),
            V{"bimi.invalid"});
  AreaReport several = report(test::txt(kOwner, {kGood, kGood}));
  EXPECT_EQ(several.status, Status::kWarn);
  EXPECT_EQ(ids(several), V{"bimi.invalid"});
  EXPECT_EQ(several.summary, "BIMI published, but receivers will not show the logo");
}

TEST(BimiCheck, DmarcMustEnforceForAllMail) {
  for (const char* weak :
       {"v=DMARC1; p=none", "v=DMARC1; p=quarantine; pct=50", "v=DMARC1; p=reject; sp=none", ""}) {
    AreaReport r = report(test::txt(kOwner, {kGood}), weak);
    EXPECT_EQ(r.status, Status::kWarn) << weak;
    EXPECT_EQ(ids(r), V{"bimi.dmarc_not_enforcing"}) << weak;
    EXPECT_EQ(r.details["dmarc_enforcing"], false) << weak;
  }
}

TEST(BimiCheck, InformationOnlyNeverAnError) {
  // No record, or a lookup that failed in any way: none, never error or fail.
  for (const auto& a :
       {test::nodata(kOwner, dns::rrtype::kTxt),
        test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kServFail, dns::Security::kBogus),
        test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kTimeout)}) {
    AreaReport r = report(a);
    EXPECT_EQ(r.status, Status::kNone) << to_string(a.outcome);
    EXPECT_EQ(ids(r), V{});
  }
  EXPECT_EQ(report(test::failed(kOwner, dns::rrtype::kTxt, dns::Outcome::kTimeout)).summary,
            "the BIMI lookup failed");
}

}  // namespace
}  // namespace mc::checks
