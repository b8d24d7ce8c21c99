// findings_test.cpp - the catalogue is well formed and docs/findings.md matches it.
#include "core/findings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace mc {
namespace {

TEST(Findings, IdsAreUniqueAndPrefixedByTheirArea) {
  std::set<std::string_view> seen;
  for (const auto& d : finding_catalogue()) {
    EXPECT_TRUE(seen.insert(d.id).second) << "duplicate id " << d.id;
    const std::string prefix = std::string(to_string(d.area)) + ".";
    EXPECT_EQ(d.id.substr(0, prefix.size()), prefix) << d.id;
    EXPECT_FALSE(d.title.empty()) << d.id;
    EXPECT_FALSE(d.explanation.empty()) << d.id;
    EXPECT_FALSE(d.reference.empty()) << d.id;
  }
}

TEST(Findings, DocumentIsInStepWithTheCode) {
  std::ifstream in(std::string(MAILCHECK_SOURCE_DIR) + "/docs/findings.md");
  ASSERT_TRUE(in) << "docs/findings.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(doc.str(), catalogue_markdown())
      << "docs/findings.md is stale: regenerate it with "
         "'mailcheck findings --format markdown > docs/findings.md'";
}

TEST(Findings, PublishedIdsNeverDisappear) {
  std::ifstream in(std::string(MAILCHECK_SOURCE_DIR) + "/tests/unit/finding_ids.txt");
  ASSERT_TRUE(in);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    bool found = false;
    for (const auto& d : finding_catalogue()) found |= d.id == line;
    EXPECT_TRUE(found) << "finding id '" << line << "' was published and must stay";
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

TEST(Findings, MakeFindingKeepsTheId) {
  auto f = make_finding("mx.null_mx", "example.nz", "summary");
  EXPECT_EQ(f.id, "mx.null_mx");
  EXPECT_EQ(finding_def(f.id).severity, Severity::kInfo);
}

TEST(FindingsDeathTest, UnknownIdIsAProgrammerError) {
  EXPECT_DEATH(finding_def("no.such_id"), "unknown finding id");
}

}  // namespace
}  // namespace mc
