// dkim_lab_test.cpp - the dkim check against the lab's dkim-*.co.nz zones (lab/README.md): key
// types and sizes decoded from real records, through the real resolver.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "lab_support.hpp"

namespace mc::lab {
namespace {

struct DkimScenario {
  const char* domain;
  Status status;
  std::vector<std::string> ids;
};

void PrintTo(const DkimScenario& s, std::ostream* os) { *os << s.domain; }

class LabDkim : public ::testing::TestWithParam<DkimScenario> {};

TEST_P(LabDkim, StatusAndFindings) {
  const DkimScenario& s = GetParam();
  Report r = audit(s.domain, std::chrono::seconds(20), std::chrono::milliseconds(2500));
  const AreaReport* a = r.area(Area::kDkim);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(to_string(a->status), to_string(s.status)) << a->summary;
  EXPECT_EQ(finding_ids(r, Area::kDkim), s.ids);
}

using V = std::vector<std::string>;
constexpr Status kPass = Status::kPass, kWarn = Status::kWarn, kFail = Status::kFail,
                 kNone = Status::kNone;

INSTANTIATE_TEST_SUITE_P(
    Domains, LabDkim,
    ::testing::Values(DkimScenario{"dkim-ok.co.nz", kPass, V{}},
                      DkimScenario{"good.co.nz", kNone, V{"dkim.none_found"}},
                      // A null MX: the domain sends no mail, so no key is expected.
                      DkimScenario{"nullmx.co.nz", kNone, V{}},
                      DkimScenario{"bogus.co.nz", Status::kError, V{"dkim.lookup_failed"}},
                      DkimScenario{"dkim-weak.co.nz", kWarn, V{"dkim.rsa_weak"}},
                      DkimScenario{"dkim-short.co.nz", kFail, V{"dkim.rsa_too_short"}},
                      DkimScenario{"dkim-revoked.co.nz", kNone, V{"dkim.key_revoked"}},
                      DkimScenario{"dkim-sha1.co.nz", kFail, V{"dkim.sha1_only"}},
                      DkimScenario{"dkim-testing.co.nz", kWarn, V{"dkim.testing"}},
                      DkimScenario{"dkim-malformed.co.nz", kFail, V{"dkim.malformed"}},
                      DkimScenario{"dkim-badkey.co.nz", kFail, V{"dkim.malformed"}},
                      DkimScenario{"dkim-rsapk.co.nz", kPass, V{"dkim.rsapublickey_format"}},
                      DkimScenario{"dkim-multi.co.nz", kWarn, V{"dkim.multiple_records"}},
                      DkimScenario{"dkim-notemail.co.nz", kFail, V{"dkim.not_for_email"}},
                      DkimScenario{"dkim-ed25519.co.nz", kPass, V{"dkim.ed25519_only"}},
                      // The wildcard's text at every common selector is not mistaken for a key.
                      DkimScenario{"dkim-custom.co.nz", kNone, V{"dkim.none_found"}}),
    domain_test_name<::testing::TestParamInfo<DkimScenario>>);

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
