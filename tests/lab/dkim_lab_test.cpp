// dkim_lab_test.cpp - details of the dkim check on the lab's dkim-*.co.nz zones (lab/README.md):
// key types and sizes decoded from real records. Status and finding ids: lab/expect/dkim.tsv.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "lab_support.hpp"

namespace mc::lab {
namespace {

Report audit_with_selectors(const std::string& domain, std::vector<std::string> selectors) {
  auto d = DomainName::parse(domain);
  EXPECT_TRUE(d);
  audit::AuditOptions o(*d);
  o.resolver = resolver_config();
  o.timeout = std::chrono::seconds(20);
  o.dkim_selectors = std::move(selectors);
  auto r = audit::run_audit(o);
  EXPECT_TRUE(r);
  return r ? *r : Report{};
}

TEST(LabDkimDetails, KeysAreDecoded) {
  Report r = audit("dkim-ok.co.nz");
  const auto& keys = r.area(Area::kDkim)->details["keys"];
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0]["selector"], "s1");
  EXPECT_EQ(keys[0]["type"], "rsa");
  EXPECT_EQ(keys[0]["bits"], 2048);
  EXPECT_EQ(keys[1]["type"], "ed25519");
  EXPECT_EQ(r.area(Area::kDkim)->details["selectors_given"], false);
}

TEST(LabDkimDetails, GivenSelectorsReplaceTheGuesses) {
  Report r = audit_with_selectors("dkim-custom.co.nz", {"2024a.mail"});
  const AreaReport* a = r.area(Area::kDkim);
  EXPECT_EQ(to_string(a->status), "pass") << a->summary;
  EXPECT_EQ(a->details["selectors_tried"], nlohmann::json::array({"2024a.mail"}));
  // A given selector that meets the wildcard's text is a broken key for that selector.
  Report w = audit_with_selectors("dkim-custom.co.nz", {"2024a.mail", "other"});
  EXPECT_EQ(finding_ids(w, Area::kDkim), std::vector<std::string>{"dkim.malformed"});
}

}  // namespace
}  // namespace mc::lab
