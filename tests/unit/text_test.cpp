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

TEST(Text, PrintableEscapesControlOctetsAndDel) {
  EXPECT_EQ(printable("plain text ~"), "plain text ~");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("line\r\nnext\x1b[31m"), "line\\x0d\\x0anext\\x1b[31m");
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  EXPECT_EQ(printable(""), "");
}

TEST(Text, PrintableEscapesOrKeepsNonAscii) {
  const std::string umlaut = "m\xc3\xbcller";  // UTF-8 "müller"
  EXPECT_EQ(printable(umlaut), "m\\xc3\\xbcller");
  EXPECT_EQ(printable(umlaut, NonAscii::kKeep), umlaut);
  EXPECT_EQ(printable("\xff\x80\n", NonAscii::kKeep), "\xff\x80\\x0a");
}

}  // namespace
}  // namespace mc
