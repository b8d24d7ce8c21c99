// spf_lab_test.cpp - details of the spf check on the lab's spf-*.co.nz zones (lab/README.md)
// beyond status and finding ids, which lab/expect/spf.tsv holds (verdicts_lab_test.cpp).
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
