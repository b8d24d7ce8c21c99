// spf_lab_test.cpp - the spf check against the lab's spf-*.co.nz zones (lab/README.md): one
// domain per behaviour, each asserting the spf status and finding ids, through the real resolver.
#include <gtest/gtest.h>

#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct SpfScenario {
  const char* domain;
  Status status;
  std::vector<std::string> ids;
};

void PrintTo(const SpfScenario& s, std::ostream* os) { *os << s.domain; }

class LabSpf : public ::testing::TestWithParam<SpfScenario> {};

TEST_P(LabSpf, StatusAndFindings) {
  const SpfScenario& s = GetParam();
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* spf = r.area(Area::kSpf);
  ASSERT_NE(spf, nullptr);
  EXPECT_EQ(to_string(spf->status), to_string(s.status)) << spf->summary;
  EXPECT_EQ(finding_ids(r, Area::kSpf), s.ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone, kError = Status::kError;

INSTANTIATE_TEST_SUITE_P(
    Domains, LabSpf,
    ::testing::Values(SpfScenario{"spf-ok.co.nz", kPass, V{}},
                      SpfScenario{"good.co.nz", kNone, V{"spf.none"}},
                      SpfScenario{"nullmx.co.nz", kPass, V{}},
                      SpfScenario{"bogus.co.nz", kError, V{"spf.lookup_failed"}},
                      SpfScenario{"spf-multiple.co.nz", kFail, V{"spf.multiple_records"}},
                      SpfScenario{"spf-syntax.co.nz", kFail, V{"spf.syntax_error"}},
                      SpfScenario{"spf-split.co.nz", kFail, V{"spf.syntax_error"}},
                      SpfScenario{"spf-pass-all.co.nz", kFail, V{"spf.pass_all"}},
                      SpfScenario{"spf-include-passall.co.nz", kFail, V{"spf.pass_all"}},
                      SpfScenario{"spf-ip-all.co.nz", kFail, V{"spf.pass_all"}},
                      SpfScenario{"spf-neutral-all.co.nz", kWarn, V{"spf.neutral_all"}},
                      SpfScenario{"spf-no-all.co.nz", kWarn, V{"spf.no_all"}},
                      SpfScenario{"spf-softfail.co.nz", kPass, V{"spf.softfail_all"}},
                      SpfScenario{"spf-ptr.co.nz", kWarn, V{"spf.ptr_mechanism"}},
                      SpfScenario{"spf-void.co.nz", kWarn, V{"spf.void_lookup"}},
                      // The third void lookup stops evaluation before "mx": the MX host fails too.
                      SpfScenario{"spf-void-over.co.nz", kFail,
                                  V{"spf.mx_not_authorised", "spf.too_many_void_lookups"}},
                      SpfScenario{"spf-include-nospf.co.nz", kFail, V{"spf.include_no_spf"}},
                      SpfScenario{"spf-include-loop.co.nz", kFail, V{"spf.include_loop"}},
                      SpfScenario{"spf-include-broken.co.nz", kFail, V{"spf.include_broken"}},
                      SpfScenario{"spf-type99.co.nz", kPass, V{"spf.type99_record"}},
                      SpfScenario{"spf-mx-unauth.co.nz", kPass, V{"spf.mx_not_authorised"}},
                      SpfScenario{"spf-redirect.co.nz", kPass, V{}},
                      SpfScenario{"spf-after-all.co.nz", kPass, V{"spf.terms_after_all"}},
                      SpfScenario{"spf-redirect-all.co.nz", kPass, V{"spf.redirect_ignored"}},
                      SpfScenario{"spf-mx-many.co.nz", kFail, V{"spf.mx_too_many_names"}},
                      SpfScenario{"spf-too-many.co.nz", kFail, V{"spf.too_many_lookups"}},
                      SpfScenario{"spf-long.co.nz", kWarn, V{"spf.record_too_long"}}),
    domain_test_name<::testing::TestParamInfo<SpfScenario>>);

const Finding* find(const Report& r, const std::string& id) {
  for (const auto& a : r.areas) {
    for (const auto& f : a.findings) {
      if (f.id == id) return &f;
    }
  }
  return nullptr;
}

TEST(LabSpfDetails, TooManyLookupsShowsTheTreeAndAFlattenedRecord) {
  Report r = audit("spf-too-many.co.nz");
  const auto& d = r.area(Area::kSpf)->details;
  EXPECT_EQ(d["lookup_terms_worst_case"], 12);
  ASSERT_EQ(d["tree"].size(), 3u);
  EXPECT_EQ(d["tree"][1]["via"], "include:_s1.spf-too-many.co.nz");
  EXPECT_EQ(d["tree"][1]["total_terms"], 5);
  const Finding* f = find(r, "spf.too_many_lookups");
  ASSERT_NE(f, nullptr);
  // Every a term became its address, the include's ip6 network was kept, the root's -all ends it.
  EXPECT_NE(f->recommendation.find("spf-too-many.co.nz. 3600 IN TXT \"v=spf1 ip4:127.25.9.1 "
                                   "ip4:203.0.113.1 "),
            std::string::npos)
      << f->recommendation;
  EXPECT_NE(f->recommendation.find("ip6:2001:db8:5::/48 -all\""), std::string::npos);
  EXPECT_NE(f->recommendation.find("0 lookup(s)"), std::string::npos);
}

TEST(LabSpfDetails, MultipleRecordsGetOneMergedRecord) {
  Report r = audit("spf-multiple.co.nz");
  const Finding* f = find(r, "spf.multiple_records");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->recommendation.find("\"v=spf1 ip4:192.0.2.0/24 mx -all\""), std::string::npos)
      << f->recommendation;
}

TEST(LabSpfDetails, SyntaxErrorsPointAtTheTerm) {
  Report r = audit("spf-syntax.co.nz");
  const Finding* f = find(r, "spf.syntax_error");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->evidence.size(), 3u);  // the record, then one line per error
  EXPECT_EQ(f->evidence[1].rfind("offset 10: ip4:192.0.2:", 0), 0u) << f->evidence[1];
  EXPECT_EQ(f->evidence[2].rfind("offset 22: a:museum:", 0), 0u) << f->evidence[2];
}

TEST(LabSpfDetails, SplitStringsAreShown) {
  Report r = audit("spf-split.co.nz");
  const Finding* f = find(r, "spf.syntax_error");
  ASSERT_NE(f, nullptr);
  ASSERT_FALSE(f->evidence.empty());
  EXPECT_EQ(f->evidence.back(), "published as 2 strings: \"v=spf1 ip4:192.0.2.0/24 mx\" \"-all\"");
  EXPECT_NE(f->recommendation.find("joined without spaces"), std::string::npos);
}

TEST(LabSpfDetails, OwnMxHostsAreEvaluated) {
  Report r = audit("spf-ok.co.nz");
  const auto& auth = r.area(Area::kSpf)->details["mx_authorisation"];
  ASSERT_EQ(auth.size(), 1u);
  EXPECT_EQ(auth[0]["host"], "mx.spf-ok.co.nz");
  EXPECT_EQ(auth[0]["result"], "pass");
}

}  // namespace
}  // namespace mc::lab
