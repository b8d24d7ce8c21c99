// text_test.cpp - the shared ASCII helpers (core/text.hpp).
#include "core/text.hpp"

#include <gtest/gtest.h>

#include "core/domain_name.hpp"

namespace mc {
namespace {

TEST(Text, LowerTouchesOnlyAsciiCapitals) {
  EXPECT_EQ(lower('Q'), 'q');
  EXPECT_EQ(lower('q'), 'q');
  EXPECT_EQ(lower('@'), '@');                                       // just below 'A'
  EXPECT_EQ(lower('['), '[');                                       // just above 'Z'
  EXPECT_EQ(to_lower("MiXeD-123_\xc3\x84"), "mixed-123_\xc3\x84");  // UTF-8 octets unchanged
}

TEST(Text, CanonicalNameLowersAndDropsOneTrailingDot) {
  EXPECT_EQ(canonical_name("Mx1.Example.NZ."), "mx1.example.nz");
  EXPECT_EQ(canonical_name("mx1.example.nz"), "mx1.example.nz");
  EXPECT_EQ(canonical_name("a.."), "a.");  // only one
  EXPECT_EQ(canonical_name("."), "");
  EXPECT_EQ(canonical_name(""), "");
}

TEST(Text, DnsNamesKeepTheRootAndAnEscapedDot) {
  // normalize_dns_name is canonical_name for names from DNS answers, with two exceptions.
  EXPECT_EQ(normalize_dns_name("Mx1.Example.NZ."), canonical_name("Mx1.Example.NZ."));
  EXPECT_EQ(normalize_dns_name("."), ".");
  EXPECT_EQ(normalize_dns_name(""), ".");
  EXPECT_EQ(normalize_dns_name("A\\."), "a\\.");
}

}  // namespace
}  // namespace mc
