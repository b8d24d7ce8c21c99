// dmarc_check_test.cpp - the dmarc check's pure evaluation and view, from constructed _dmarc
// answers: every dmarc finding id, the rule set each rests on, and every DNS state (secure,
// insecure, bogus, failed lookup). Discovery itself is dmarc_discovery_test.cpp; the lab runs the
// whole check against real name servers.
#include <gtest/gtest.h>

#include <map>

#include "checks/dmarc.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using policy::dmarc::RuleSet;
using test::finding;
using test::ids;
using V = std::vector<std::string>;

// Zone - TXT records at _dmarc.<name>; every other name a receiver asks has none (NODATA).
struct Zone {
  std::string domain = "example.co.nz";
  std::string psl_org = "example.co.nz";
  std::map<std::string, V> records;
  std::map<std::string, dns::Answer> answers;  // overrides: failures, unsigned answers
  std::vector<DmarcDestination> destinations;
  std::optional<dns::Answer> existence;

  DmarcData data() const {
    DmarcData d;
    d.domain = domain;
    d.org_domain = psl_org;
    d.psl_source = "test";
    std::vector<std::string> names{domain, psl_org};
    for (auto& n : policy::dmarc::walk_names(domain)) names.push_back(n);
    for (const auto& [n, r] : records) names.push_back(n);
    for (const auto& n : names) {
      const std::string owner = "_dmarc." + n;
      if (auto a = answers.find(n); a != answers.end()) {
        d.txt.insert_or_assign(n, a->second);
      } else if (auto r = records.find(n); r != records.end()) {
        d.txt.insert_or_assign(n, test::txt(owner, r->second));
      } else {
        d.txt.insert_or_assign(n, test::nodata(owner, dns::rrtype::kTxt));
      }
    }
    d.existence = existence;
    d.rfc9989 = policy::dmarc::discover(RuleSet::kRfc9989, d.domain, d.org_domain, d.lookup());
    d.rfc7489 = policy::dmarc::discover(RuleSet::kRfc7489, d.domain, d.org_domain, d.lookup());
    d.destinations = destinations;
    return d;
  }
  AreaReport report() const { return dmarc_report(data()); }
};

AreaReport of(const std::string& record) {
  Zone z;
  z.records["example.co.nz"] = {record};
  return z.report();
}

constexpr const char* kReject = "v=DMARC1; p=reject; rua=mailto:d@example.co.nz";

TEST(DmarcCheck, RejectWithReportsPasses) {
  for (auto security : {dns::Security::kSecure, dns::Security::kInsecure}) {
    Zone z;
    z.answers["example.co.nz"] = test::txt("_dmarc.example.co.nz", {kReject}, security);
    AreaReport r = z.report();
    EXPECT_EQ(r.status, Status::kPass);
    EXPECT_EQ(ids(r), V{});
    EXPECT_EQ(r.summary, "DMARC p=reject");
    EXPECT_EQ(r.details["record"], kReject);
    EXPECT_EQ(r.details["policy"], "reject");
    EXPECT_EQ(r.details["rua"][0]["uri"], "mailto:d@example.co.nz");
    EXPECT_EQ(r.details["rulesets"]["rfc9989"]["level"], "author");
    EXPECT_EQ(r.details["inherited"], false);
  }
}

TEST(DmarcCheck, AFailedOrBogusLookupIsUndetermined) {
  for (auto security : {dns::Security::kBogus, dns::Security::kIndeterminate}) {
    Zone z;
    z.answers["example.co.nz"] =
        test::failed("_dmarc.example.co.nz", dns::rrtype::kTxt, dns::Outcome::kServFail, security);
    AreaReport r = z.report();
    EXPECT_EQ(r.status, Status::kError);
    EXPECT_EQ(ids(r), V{"dmarc.lookup_failed"});
    EXPECT_EQ(r.summary, "the DMARC lookup failed");
    EXPECT_FALSE(r.details.contains("record"));
  }
}

TEST(DmarcCheck, NoPolicyIsNotDeployed) {
  AreaReport r = Zone{}.report();
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"dmarc.none"});
  EXPECT_EQ(r.findings[0].rule_set, "both");
  EXPECT_NE(r.findings[0].recommendation.find("v=DMARC1; p=none; rua=mailto:dmarc-reports@"),
            std::string::npos);
}

TEST(DmarcCheck, AlmostDmarcIsNotRecognised) {
  AreaReport r = of("p=reject; v=DMARC1");
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dmarc.invalid_record"});
  EXPECT_EQ(r.summary, "the DMARC record is not recognised");
}

TEST(DmarcCheck, SeveralRecordsFail) {
  Zone z;
  z.records["example.co.nz"] = {kReject, "v=DMARC1; p=none"};
  AreaReport r = z.report();
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"dmarc.multiple_records"});
  EXPECT_EQ(r.summary, "several DMARC records");
}

TEST(DmarcCheck, SyntaxAndTags) {
  AreaReport r = of("v=DMARC1; p=bogus; rua=mailto:d@example.co.nz");
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_TRUE(finding(r, "dmarc.syntax_error").recommendation.find("p=none") != std::string::npos);
  EXPECT_EQ(r.summary, "the DMARC record is invalid");
  r = of("v=DMARC1; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), (V{"dmarc.p_missing", "dmarc.policy_none"}));
  EXPECT_EQ(r.status, Status::kWarn);
  r = of("v=DMARC1; p=reject; adkim=x; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.tag_invalid"});
  r = of("v=DMARC1; rua=mailto:d@example.co.nz; p=reject");
  EXPECT_EQ(ids(r), V{"dmarc.p_not_second"});
  EXPECT_EQ(r.findings[0].rule_set, "rfc7489");
  r = of("v=DMARC1; p=reject; foo=bar; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.unknown_tag"});
  EXPECT_EQ(r.status, Status::kPass);
  r = of("v=DMARC1; p=reject; ri=3600; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.obsolete_tag"});
  EXPECT_EQ(r.findings[0].rule_set, "rfc9989");
  r = of("v=DMARC1; p=reject; rua=mailto:d@example.co.nz!10m");
  EXPECT_EQ(ids(r), V{"dmarc.size_limit_obsolete"});
}

TEST(DmarcCheck, StrengthOfThePolicy) {
  AreaReport r = of("v=DMARC1; p=none; rua=mailto:d@example.co.nz");
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"dmarc.policy_none"});
  EXPECT_NE(r.findings[0].recommendation.find("p=quarantine"), std::string::npos);
  r = of("v=DMARC1; p=quarantine; rua=mailto:d@example.co.nz");
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"dmarc.policy_quarantine"});
  r = of("v=DMARC1; p=reject; pct=50; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.pct_partial"});
  EXPECT_EQ(r.status, Status::kWarn);
  r = of("v=DMARC1; p=reject; t=y; rua=mailto:d@example.co.nz");
  // RFC 9989 receivers apply quarantine under t=y, RFC 7489 ones reject: dmarc.testing_mode says
  // so (and no policy_quarantine step: the record already asks for reject).
  EXPECT_EQ(ids(r), (V{"dmarc.receivers_differ", "dmarc.testing_mode"}));
  r = of("v=DMARC1; p=reject; t=y; pct=0; rua=mailto:d@example.co.nz");
  EXPECT_EQ(finding(r, "dmarc.testing_mode").rule_set, "both");
  EXPECT_NE(finding(r, "dmarc.testing_mode").summary.find("every receiver"), std::string::npos);
  r = of("v=DMARC1; p=reject; sp=none; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.subdomain_policy_weaker"});
  r = of("v=DMARC1; p=reject; np=none; rua=mailto:d@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.np_weaker"});
}

TEST(DmarcCheck, Reports) {
  AreaReport r = of("v=DMARC1; p=reject");
  EXPECT_EQ(ids(r), V{"dmarc.no_rua"});
  EXPECT_EQ(r.status, Status::kPass);
  r = of("v=DMARC1; p=reject; rua=https://reports.example.co.nz/dmarc");
  EXPECT_EQ(ids(r), V{"dmarc.uri_scheme"});
  r = of("v=DMARC1; p=reject; rua=mailto:d@example.co.nz; ruf=mailto:f@example.co.nz");
  EXPECT_EQ(ids(r), V{"dmarc.ruf_requested"});
  EXPECT_EQ(r.facts.back().label, "aggregate reports to");
}

DmarcDestination external(std::optional<dns::Answer> txt) {
  DmarcDestination d;
  d.uri = "mailto:d@reports.example.net";
  d.host = "reports.example.net";
  d.policy_domain = "example.co.nz";
  d.name = "example.co.nz._report._dmarc.reports.example.net";
  d.for_9989 = d.for_7489 = d.external_9989 = d.external_7489 = true;
  d.host_org_9989 = "example.net";
  d.txt = std::move(txt);
  return d;
}

AreaReport with_destination(DmarcDestination dest) {
  Zone z;
  z.records["example.co.nz"] = {"v=DMARC1; p=reject; rua=mailto:d@reports.example.net"};
  z.destinations = {std::move(dest)};
  return z.report();
}

TEST(DmarcCheck, ExternalDestinations) {
  const std::string name = "example.co.nz._report._dmarc.reports.example.net";
  AreaReport r = with_destination(external(test::txt(name, {"v=DMARC1"})));
  EXPECT_EQ(ids(r), V{});
  EXPECT_EQ(r.details["external_destinations"][0]["authorized"], true);
  r = with_destination(external(test::nodata(name, dns::rrtype::kTxt)));
  EXPECT_EQ(ids(r), V{"dmarc.external_unauthorized"});
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(r.findings[0].rule_set, "both");
  EXPECT_EQ(r.details["external_destinations"][0]["authorized"], false);
  r = with_destination(external(
      test::failed(name, dns::rrtype::kTxt, dns::Outcome::kServFail, dns::Security::kBogus)));
  EXPECT_EQ(ids(r), V{"dmarc.external_check_failed"});
  EXPECT_TRUE(r.details["external_destinations"][0]["authorized"].is_null());
  r = with_destination(external(test::txt(name, {"v=DMARC1; rua=mailto:x@elsewhere.example"})));
  EXPECT_EQ(ids(r), V{"dmarc.external_override_invalid"});
  // Whether the host is external could not be decided (its tree walk failed).
  DmarcDestination undecided = external(test::nodata(name, dns::rrtype::kTxt));
  undecided.for_7489 = false;
  undecided.org_known_9989 = false;
  r = with_destination(undecided);
  EXPECT_EQ(ids(r), V{"dmarc.external_check_failed"});
  EXPECT_EQ(r.findings[0].rule_set, "rfc9990");
  // RFC 9990 §4 step 4: a name over 253 octets is never asked and authorises nothing.
  DmarcDestination too_long = external(std::nullopt);
  too_long.name = std::string(250, 'a') + "." + name;
  too_long.txt.reset();
  EXPECT_EQ(check_destination(too_long).authorization, Authorization::kNameTooLong);
  EXPECT_EQ(ids(with_destination(too_long)), V{"dmarc.external_unauthorized"});
  // Inside the Organizational Domain: nothing to authorise, nothing listed.
  DmarcDestination inside = external(std::nullopt);
  inside.external_9989 = inside.external_7489 = false;
  r = with_destination(inside);
  EXPECT_EQ(ids(r), V{});
  EXPECT_TRUE(r.details["external_destinations"].empty());
}

TEST(DmarcCheck, InheritedFromTheOrganizationalDomain) {
  Zone z;
  z.domain = "mail.example.co.nz";
  z.records["example.co.nz"] = {"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.co.nz"};
  AreaReport r = z.report();
  EXPECT_EQ(ids(r), (V{"dmarc.inherited", "dmarc.policy_quarantine"}));
  EXPECT_EQ(finding(r, "dmarc.inherited").rule_set, "both");
  EXPECT_EQ(r.details["inherited"], true);
  EXPECT_EQ(r.summary, "DMARC p=quarantine");
}

TEST(DmarcCheck, WhereTheTwoKindsOfReceiverDiffer) {
  // Own record, none above it: RFC 9989 receivers align under the domain itself, RFC 7489 ones
  // under the PSL's Organizational Domain.
  Zone z;
  z.domain = "mail.example.co.nz";
  z.records["mail.example.co.nz"] = {kReject};
  AreaReport r = z.report();
  EXPECT_EQ(ids(r), V{"dmarc.org_domain_differs"});
  EXPECT_EQ(r.status, Status::kPass);
  // A public suffix operator's psd=y record: RFC 9989 receivers apply it, RFC 7489 ones do not.
  Zone psd;
  psd.records["co.nz"] = {"v=DMARC1; p=reject; psd=y"};
  r = psd.report();
  EXPECT_EQ(ids(r), (V{"dmarc.psd_policy", "dmarc.receivers_differ"}));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(finding(r, "dmarc.psd_policy").recommendation.find("p=reject"), std::string::npos);
}

TEST(DmarcCheck, AnUndeterminedOrganizationalDomainIsSaid) {
  Zone z;
  z.domain = "mail.example.co.nz";
  z.records["mail.example.co.nz"] = {kReject};
  z.answers["example.co.nz"] =
      test::failed("_dmarc.example.co.nz", dns::rrtype::kTxt, dns::Outcome::kTimeout);
  const DmarcData d = z.data();
  ASSERT_NE(d.rfc9989.outcome, policy::dmarc::Outcome::kFailed);
  EXPECT_TRUE(evaluate_dmarc(d).has("dmarc.walk_incomplete"));
}

TEST(DmarcCheck, EffectivePolicyIsTheWeakerOfTheTwo) {
  Zone z;
  z.records["example.co.nz"] = {"v=DMARC1; p=reject; pct=0; rua=mailto:d@example.co.nz"};
  int pct = -1;
  EXPECT_EQ(effective_policy(z.data(), &pct), policy::dmarc::Policy::kQuarantine);
  EXPECT_EQ(pct, 0);
  EXPECT_EQ(effective_policy(Zone{}.data()), std::nullopt);
}

}  // namespace
}  // namespace mc::checks
