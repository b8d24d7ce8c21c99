// dmarc_discovery_test.cpp - policy discovery and the Organizational Domain under RFC 9989 (DNS
// Tree Walk, §4.10) and RFC 7489 (Public Suffix List), and the policy each applies.
#include "policy/dmarc_discovery.hpp"

#include <gtest/gtest.h>

#include <map>

namespace mc::policy::dmarc {
namespace {

using V = std::vector<std::string>;

// Zone - _dmarc TXT data by name; a name listed in `failing` answers SERVFAIL. Every name that
// is looked up is recorded, so a test can tell what a receiver asks.
struct Zone {
  std::map<std::string, TxtLookup, std::less<>> data;
  V asked;
  void set(const std::string& name, V records) { data[name] = {true, "", std::move(records)}; }
  void fail(const std::string& name) { data[name] = {false, "SERVFAIL", {}}; }
  Lookup lookup() {
    return [this](std::string_view name) -> const TxtLookup* {
      asked.emplace_back(name);
      static const TxtLookup kEmpty{};
      const auto it = data.find(name);
      return it == data.end() ? &kEmpty : &it->second;
    };
  }
};

TEST(DmarcWalk, NamesFollowTheLabelShortcut) {
  EXPECT_EQ(walk_names("a.mail.example.com"), (V{"mail.example.com", "example.com", "com"}));
  EXPECT_EQ(walk_names("com"), V{});
  // §4.10 example: 13 labels, so after the first query the 7-label suffix, then one at a time:
  // eight queries in all.
  EXPECT_EQ(walk_names("a.b.c.d.e.f.g.h.i.j.mail.example.com"),
            (V{"g.h.i.j.mail.example.com", "h.i.j.mail.example.com", "i.j.mail.example.com",
               "j.mail.example.com", "mail.example.com", "example.com", "com"}));
  // Exactly 8 labels: cut to 7, which is the parent.
  EXPECT_EQ(walk_names("a.b.c.d.e.f.g.h").front(), "b.c.d.e.f.g.h");
  EXPECT_EQ(walk_names("a.b.c.d.e.f.g.h").size(), 7u);
}

TEST(DmarcWalk, OwnRecordIsThePolicyAndTheWalkFindsTheOrgDomain) {
  Zone z;
  z.set("mail.example.com", {"v=DMARC1; p=reject"});
  z.set("example.com", {"v=DMARC1; p=none"});
  auto d = discover(RuleSet::kRfc9989, "mail.example.com", "example.com", z.lookup());
  EXPECT_EQ(d.outcome, Outcome::kRecord);
  EXPECT_EQ(d.level, Level::kAuthor);
  EXPECT_EQ(d.policy_domain, "mail.example.com");
  EXPECT_EQ(d.org_domain, "example.com");  // §4.10.2 step 3: fewest labels
  EXPECT_EQ(d.queried, (V{"_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com"}));
}

TEST(DmarcWalk, OwnRecordWithoutParentRecordsIsItsOwnOrgDomain) {
  // RFC 9989 §4.10.2: no record further up, so the domain itself; RFC 7489's PSL says otherwise.
  Zone z;
  z.set("mail.example.com", {"v=DMARC1; p=reject"});
  auto d = discover(RuleSet::kRfc9989, "mail.example.com", "example.com", z.lookup());
  EXPECT_EQ(d.org_domain, "mail.example.com");
  auto old = discover(RuleSet::kRfc7489, "mail.example.com", "example.com", z.lookup());
  EXPECT_EQ(old.org_domain, "example.com");
}

TEST(DmarcWalk, PsdNStopsTheWalkAndNamesTheOrgDomain) {
  Zone z;
  z.set("dept.example.com", {"v=DMARC1; p=reject; psd=n"});
  z.set("example.com", {"v=DMARC1; p=none"});
  auto d = discover(RuleSet::kRfc9989, "a.dept.example.com", "example.com", z.lookup());
  EXPECT_EQ(d.outcome, Outcome::kRecord);
  EXPECT_EQ(d.level, Level::kOrganizational);
  EXPECT_EQ(d.policy_domain, "dept.example.com");
  EXPECT_EQ(d.org_domain, "dept.example.com");
  EXPECT_EQ(d.queried, (V{"_dmarc.a.dept.example.com", "_dmarc.dept.example.com"}));
  // The PSL receiver skips dept.example.com and applies example.com's p=none.
  auto old = discover(RuleSet::kRfc7489, "a.dept.example.com", "example.com", z.lookup());
  EXPECT_EQ(old.policy_domain, "example.com");
  EXPECT_EQ(old.queried, (V{"_dmarc.a.dept.example.com", "_dmarc.example.com"}));
}

TEST(DmarcWalk, PsdYGivesThePublicSuffixPolicyAndTheNameBelowIt) {
  Zone z;
  z.set("govt.nz", {"v=DMARC1; p=reject; psd=y; rua=mailto:d@govt.nz"});
  auto d = discover(RuleSet::kRfc9989, "mail.agency.govt.nz", "agency.govt.nz", z.lookup());
  EXPECT_EQ(d.outcome, Outcome::kRecord);
  EXPECT_EQ(d.level, Level::kPublicSuffix);
  EXPECT_EQ(d.policy_domain, "govt.nz");
  EXPECT_EQ(d.org_domain, "agency.govt.nz");
  const Applied a = apply(d, "mail.agency.govt.nz");
  EXPECT_EQ(a.policy, Policy::kReject);
  EXPECT_EQ(a.tag, "p");
  // A record of the agency's own wins over the public suffix's (the walk stops at neither).
  z.set("agency.govt.nz", {"v=DMARC1; p=none"});
  d = discover(RuleSet::kRfc9989, "mail.agency.govt.nz", "agency.govt.nz", z.lookup());
  EXPECT_EQ(d.policy_domain, "agency.govt.nz");
  EXPECT_EQ(d.level, Level::kOrganizational);
}

TEST(DmarcWalk, PsdYAtTheAuthorDomainItself) {
  Zone z;
  z.set("govt.nz", {"v=DMARC1; p=reject; psd=y"});
  auto d = discover(RuleSet::kRfc9989, "govt.nz", "govt.nz", z.lookup());
  EXPECT_EQ(d.level, Level::kAuthor);
  EXPECT_EQ(d.org_domain, "govt.nz");  // step 2 excludes the start; step 3 picks it
}

TEST(DmarcWalk, SeveralRecordsAreDiscardedAndTheWalkGoesOn) {
  Zone z;
  z.set("mail.example.com", {"v=DMARC1; p=none", "v=DMARC1; p=reject"});
  z.set("example.com", {"v=DMARC1; p=quarantine"});
  auto d = discover(RuleSet::kRfc9989, "mail.example.com", "example.com", z.lookup());
  EXPECT_EQ(d.policy_domain, "example.com");
  EXPECT_EQ(d.multiple, V{"mail.example.com"});
  // RFC 7489 §6.6.3 step 4: several records end discovery.
  auto old = discover(RuleSet::kRfc7489, "mail.example.com", "example.com", z.lookup());
  EXPECT_EQ(old.outcome, Outcome::kMultiple);
}

TEST(DmarcWalk, FailuresAreNotAbsence) {
  Zone z;
  z.fail("mail.example.com");
  EXPECT_EQ(discover(RuleSet::kRfc9989, "mail.example.com", "example.com", z.lookup()).outcome,
            Outcome::kFailed);
  Zone up;
  up.set("mail.example.com", {"v=DMARC1; p=reject"});
  up.fail("com");
  auto d = discover(RuleSet::kRfc9989, "mail.example.com", "example.com", up.lookup());
  EXPECT_EQ(d.outcome, Outcome::kRecord);  // the policy is the author's own
  EXPECT_FALSE(d.org_known);               // but a record at com could change the org domain
  Zone none;
  none.fail("example.com");
  auto n = discover(RuleSet::kRfc9989, "mail.example.com", "example.com", none.lookup());
  EXPECT_EQ(n.outcome, Outcome::kFailed);
  EXPECT_EQ(n.failed_name, "_dmarc.example.com");
}

TEST(DmarcWalk, NothingFound) {
  Zone z;
  auto d = discover(RuleSet::kRfc9989, "a.example.com", "example.com", z.lookup());
  EXPECT_EQ(d.outcome, Outcome::kNone);
  EXPECT_EQ(d.org_domain, "a.example.com");
  EXPECT_EQ(discover(RuleSet::kRfc7489, "a.example.com", "example.com", z.lookup()).outcome,
            Outcome::kNone);
}

TEST(DmarcWalk, OrgDomainOfAReportHost) {
  Zone z;
  z.set("example.net", {"v=DMARC1; p=none"});
  EXPECT_EQ(organizational_domain_9989("reports.example.net", z.lookup()).domain, "example.net");
  EXPECT_EQ(organizational_domain_9989("example.org", z.lookup()).domain, "example.org");
}

Discovery found(RuleSet rules, const std::string& domain, const std::string& record, Level level) {
  Discovery d;
  d.rules = rules;
  d.outcome = Outcome::kRecord;
  d.policy_domain = domain;
  d.record = record;
  d.level = level;
  return d;
}

TEST(DmarcApply, TestingModeAndPctDependOnTheRuleSet) {
  const std::string rec = "v=DMARC1; p=reject; t=y; pct=0";
  const auto bis =
      apply(found(RuleSet::kRfc9989, "example.com", rec, Level::kAuthor), "example.com");
  EXPECT_EQ(bis.stated, Policy::kReject);
  EXPECT_EQ(bis.policy, Policy::kQuarantine);  // one level below
  EXPECT_EQ(bis.pct, 100);                     // pct is obsolete
  const auto old =
      apply(found(RuleSet::kRfc7489, "example.com", rec, Level::kAuthor), "example.com");
  EXPECT_EQ(old.stated, Policy::kReject);      // t unknown,
  EXPECT_EQ(old.policy, Policy::kQuarantine);  // but pct=0 gives all mail one level less
  EXPECT_TRUE(old.sampled_out);
  EXPECT_EQ(old.pct, 0);
  const auto half =
      apply(found(RuleSet::kRfc7489, "example.com", "v=DMARC1; p=reject; pct=50", Level::kAuthor),
            "example.com");
  EXPECT_EQ(half.policy, Policy::kReject);
  EXPECT_EQ(half.pct, 50);
  // t=y has no effect on none.
  const auto none =
      apply(found(RuleSet::kRfc9989, "example.com", "v=DMARC1; p=none; t=y", Level::kAuthor),
            "example.com");
  EXPECT_FALSE(none.testing);
}

TEST(DmarcApply, SubdomainsGetSpAndNonExistentOnesNp) {
  const std::string rec = "v=DMARC1; p=reject; sp=quarantine; np=none";
  const auto d = found(RuleSet::kRfc9989, "example.com", rec, Level::kOrganizational);
  EXPECT_EQ(apply(d, "a.example.com").policy, Policy::kQuarantine);
  EXPECT_EQ(apply(d, "a.example.com", false).policy, Policy::kNone);
  EXPECT_EQ(apply(d, "a.example.com", false).tag, "np");
  const auto old = found(RuleSet::kRfc7489, "example.com", rec, Level::kOrganizational);
  EXPECT_EQ(apply(old, "a.example.com", false).tag, "sp");  // RFC 7489 has no np
}

TEST(DmarcApply, MissingPDependsOnTheRuleSet) {
  const std::string rec = "v=DMARC1; rua=mailto:d@example.com";
  const auto bis =
      apply(found(RuleSet::kRfc9989, "example.com", rec, Level::kAuthor), "example.com");
  EXPECT_EQ(bis.policy, Policy::kNone);
  EXPECT_FALSE(bis.void_policy);
  const auto old =
      apply(found(RuleSet::kRfc7489, "example.com", rec, Level::kAuthor), "example.com");
  EXPECT_EQ(old.policy, Policy::kNone);  // invalid, but a valid rua makes it p=none
  EXPECT_TRUE(old.void_policy);
  const auto bare =
      apply(found(RuleSet::kRfc7489, "example.com", "v=DMARC1", Level::kAuthor), "example.com");
  EXPECT_FALSE(bare.policy.has_value());  // no DMARC at all
  // An invalid np voids the policy for RFC 9989 receivers only.
  const std::string np = "v=DMARC1; p=reject; np=bogus";
  EXPECT_TRUE(apply(found(RuleSet::kRfc9989, "example.com", np, Level::kAuthor), "example.com")
                  .void_policy);
  EXPECT_EQ(
      apply(found(RuleSet::kRfc7489, "example.com", np, Level::kAuthor), "example.com").policy,
      Policy::kReject);
}

TEST(DmarcApply, Weaker) {
  EXPECT_EQ(weaker(Policy::kReject, Policy::kNone), Policy::kNone);
  EXPECT_EQ(weaker(std::nullopt, Policy::kNone), std::nullopt);
}

}  // namespace
}  // namespace mc::policy::dmarc
