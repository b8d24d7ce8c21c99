// rollover_test.cpp - the first-seen state of TLSA records (kept across runs) and the verdict
// when nothing matches. Matching against real certificates is covered by
// tests/lab/rollover_test.py.
#include "tools/rollover.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace mc::tools {
namespace {

policy::TlsaRecord rec(std::uint8_t fill) {
  policy::TlsaRecord r;
  r.usage = 3;
  r.selector = 1;
  r.matching_type = 1;
  r.data.assign(32, fill);
  return r;
}

TEST(SeenState, FirstSeenTimesSurviveRuns) {
  const std::string path = testing::TempDir() + "/mailcheck-seen-test.json";
  std::remove(path.c_str());
  auto s = SeenState::load(path);
  ASSERT_TRUE(s);  // a missing file is an empty state
  auto first = s->observe("mx.example.nz:25", {rec(1)}, 1000);
  EXPECT_EQ(first.at(rec(1).text()), 1000);
  ASSERT_TRUE(s->save());
  auto again = SeenState::load(path);
  ASSERT_TRUE(again);
  auto later = again->observe("mx.example.nz:25", {rec(1), rec(2)}, 5000);
  EXPECT_EQ(later.at(rec(1).text()), 1000);  // kept from the earlier run
  EXPECT_EQ(later.at(rec(2).text()), 5000);  // new now
  std::remove(path.c_str());
}

TEST(SeenState, CorruptFileIsAnError) {
  const std::string path = testing::TempDir() + "/mailcheck-seen-bad.json";
  std::ofstream(path) << "{not json";
  auto s = SeenState::load(path);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not valid"), std::string::npos);
  std::remove(path.c_str());
}

TEST(DeployVerdict, NothingPublishedMatchesAKeyOnlyInput) {
  TlsaInput key_only;
  key_only.key_spki_der = "spki";
  auto v = deploy_verdict({rec(1)}, key_only, 3600, {}, 10000);
  EXPECT_FALSE(v.safe);
  EXPECT_FALSE(v.matching.has_value());
  EXPECT_NE(v.reason.find("no published TLSA record matches"), std::string::npos);
}

}  // namespace
}  // namespace mc::tools
