// spf_check_test.cpp - the spf check's pure evaluation and view, from constructed trees of
// answers: every spf finding id and every DNS state (secure, insecure, bogus, failed lookup).
// (check_host() itself is spf_eval_test.cpp; the lab runs the whole check against name servers.)
#include <gtest/gtest.h>

#include "checks/spf.hpp"
#include "test_support.hpp"

namespace mc::checks {
namespace {

using policy::spf::Mechanism;
using test::finding;
using test::ids;
using V = std::vector<std::string>;
constexpr const char* kDomain = "example.co.nz";

// node - one name of the tree as collect_spf fills it: its TXT answer, the SPF records in it,
// the parsed record and its own DNS-querying terms (§4.6.4).
SpfNode node(const std::string& domain, const std::vector<std::string>& texts,
             dns::Security security = dns::Security::kSecure) {
  SpfNode n;
  n.domain = domain;
  n.txt = test::txt(domain, texts, security);
  for (const auto& t : texts) {
    n.txt_octets += t.size() + 1;
    if (policy::spf::is_spf_record(t)) n.records.push_back(t);
  }
  if (n.records.size() != 1) return n;
  n.parsed = policy::spf::parse_record(n.records.front());
  if (!n.parsed->ok()) return n;
  for (const auto& d : n.parsed->record.directives) {
    if (d.mechanism == Mechanism::kAll) break;
    if (d.counts_lookup()) ++n.own_terms;
  }
  if (n.parsed->record.redirect && !n.parsed->record.has_all()) ++n.own_terms;
  return n;
}

// child - a node reached from parent through the term `via`.
SpfNode child(SpfNode n, int parent, std::string via, int depth = 1) {
  n.parent = parent;
  n.via = std::move(via);
  n.depth = depth;
  return n;
}

// tree - the nodes linked to their parents, with the worst-case totals collect_spf computes.
SpfData tree(std::vector<SpfNode> nodes) {
  SpfData d;
  d.domain = kDomain;
  d.spf_type = test::nodata(kDomain, 99);
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    nodes[static_cast<std::size_t>(nodes[i].parent)].children.push_back(static_cast<int>(i));
  }
  for (std::size_t i = nodes.size(); i-- > 0;) {
    nodes[i].total_terms = nodes[i].own_terms;
    for (int c : nodes[i].children) nodes[i].total_terms += nodes[c].total_terms;
  }
  d.nodes = std::move(nodes);
  return d;
}

SpfData record(const std::string& text, dns::Security security = dns::Security::kSecure) {
  return tree({node(kDomain, {text, "google-site-verification=abc"}, security)});
}

SpfTermLookup lookup(const std::string& term, Mechanism m, dns::Outcome outcome,
                     std::vector<std::string> addresses = {}) {
  SpfTermLookup l;
  l.term = term;
  l.mechanism = m;
  l.target = term.substr(term.find(':') + 1);
  l.outcome = outcome;
  l.addresses = std::move(addresses);
  return l;
}

AreaReport report(const SpfData& d, SpfContext ctx = {}) { return spf_report(d, ctx); }

TEST(SpfCheck, AStrictRecordPasses) {
  for (auto security : {dns::Security::kSecure, dns::Security::kInsecure}) {
    // SPF asks for no DNSSEC: an unsigned record counts the same.
    AreaReport r = report(record("v=spf1 ip4:192.0.2.0/24 -all", security));
    EXPECT_EQ(r.status, Status::kPass);
    EXPECT_EQ(ids(r), V{});
    EXPECT_EQ(r.summary, "SPF published, 0 of 10 lookups");
    EXPECT_EQ(r.details["record"], "v=spf1 ip4:192.0.2.0/24 -all");
    EXPECT_EQ(r.details["lookup_terms_worst_case"], 0);
    EXPECT_EQ(r.details["tree"].size(), 1u);
  }
}

TEST(SpfCheck, AFailedOrBogusLookupIsUndetermined) {
  for (auto outcome : {dns::Outcome::kServFail, dns::Outcome::kTimeout}) {
    SpfData d = record("v=spf1 -all");
    d.nodes.front().txt = test::failed(
        kDomain, dns::rrtype::kTxt, outcome,
        outcome == dns::Outcome::kServFail ? dns::Security::kBogus : dns::Security::kIndeterminate);
    AreaReport r = report(d);
    EXPECT_EQ(r.status, Status::kError);
    EXPECT_EQ(ids(r), V{"spf.lookup_failed"});
    EXPECT_EQ(r.summary, "the SPF (TXT) lookup failed");
    EXPECT_FALSE(r.details.contains("tree"));
  }
}

TEST(SpfCheck, NoRecordIsNotDeployedWithAStarterRecord) {
  AreaReport r = report(tree({node(kDomain, {"v=DMARC1; p=none"})}));
  EXPECT_EQ(r.status, Status::kNone);
  EXPECT_EQ(ids(r), V{"spf.none"});
  EXPECT_NE(r.findings[0].recommendation.find("\"v=spf1 mx -all\""), std::string::npos);
  // A domain with only a null MX sends no mail: the advice is -all alone.
  MxData mx;
  mx.entries.push_back({0, "."});
  r = report(tree({node(kDomain, {})}), spf_context(mx, {}, std::nullopt));
  EXPECT_EQ(ids(r), V{"spf.none"});
  EXPECT_NE(r.findings[0].recommendation.find("\"v=spf1 -all\""), std::string::npos);
}

TEST(SpfCheck, TheObsoleteTypeIsInformation) {
  SpfData d = record("v=spf1 -all");
  d.spf_type = test::secure_data(kDomain, 99, {{"\"v=spf1 -all\""}});
  AreaReport r = report(d);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"spf.type99_record"});
  EXPECT_EQ(r.details["type99_published"], true);
}

TEST(SpfCheck, SeveralRecordsFailWithOneMergedRecord) {
  AreaReport r = report(tree({node(kDomain, {"v=spf1 mx ~all", "v=spf1 ip4:192.0.2.1 -all"})}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"spf.multiple_records"});
  EXPECT_NE(
      finding(r, "spf.multiple_records").recommendation.find("\"v=spf1 ip4:192.0.2.1 mx -all\""),
      std::string::npos);
  r = report(tree({node(kDomain, {"v=spf1 mx -all", "v=spf1 redirect=_spf.example.net"})}));
  EXPECT_NE(finding(r, "spf.multiple_records").recommendation.find("by hand"), std::string::npos);
}

TEST(SpfCheck, ASyntaxErrorFails) {
  AreaReport r = report(record("v=spf1 ip4:192.0.2.300 -all"));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"spf.syntax_error"});
  EXPECT_EQ(r.summary, "the SPF record is broken or dangerous");
}

TEST(SpfCheck, BrokenIncludeTargets) {
  const std::string root = "v=spf1 include:a.example.net -all";
  auto with_child = [&](SpfNode c) {
    return report(tree({node(kDomain, {root}), child(std::move(c), 0, "include:a.example.net")}));
  };
  SpfNode loop;
  loop.domain = kDomain;
  loop.loop = true;
  EXPECT_EQ(ids(with_child(loop)), V{"spf.include_loop"});
  SpfNode failed = node("a.example.net", {});
  failed.txt = test::failed("a.example.net", dns::rrtype::kTxt, dns::Outcome::kServFail,
                            dns::Security::kBogus);
  AreaReport r = with_child(failed);
  EXPECT_EQ(r.status, Status::kWarn);  // a temperror: receivers defer, nothing is broken
  EXPECT_EQ(ids(r), V{"spf.include_lookup_failed"});
  EXPECT_EQ(ids(with_child(node("a.example.net", {"no spf here"}))), V{"spf.include_no_spf"});
  EXPECT_EQ(ids(with_child(node("a.example.net", {"v=spf1 a:", "v=spf1 -all"}))),
            V{"spf.include_broken"});
  EXPECT_EQ(with_child(node("a.example.net", {"v=spf1 a: -all"})).status, Status::kFail);
  r = with_child(
      node("a.example.net", {"v=spf1 ip4:198.51.100.0/24 -all"}, dns::Security::kInsecure));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.details["lookup_terms_worst_case"], 1);
}

TEST(SpfCheck, RiskyTerms) {
  SpfData d = record("v=spf1 mx ptr -all");
  d.nodes.front().lookups = {lookup("mx", Mechanism::kMx, dns::Outcome::kData)};
  d.nodes.front().lookups.front().mx_names = 11;
  AreaReport r = report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), (V{"spf.mx_too_many_names", "spf.ptr_mechanism"}));
  EXPECT_EQ(report(record("v=spf1 ptr -all")).status, Status::kWarn);
}

TEST(SpfCheck, MoreThanTenLookupsFailWithAFlattenedRecord) {
  std::string text = "v=spf1";
  std::vector<SpfTermLookup> lookups;
  for (int i = 1; i <= 11; ++i) {
    const std::string term = "a:h" + std::to_string(i) + ".example.co.nz";
    text += " " + term;
    lookups.push_back(
        lookup(term, Mechanism::kA, dns::Outcome::kData, {"192.0.2." + std::to_string(i)}));
  }
  SpfData d = record(text + " -all");
  d.nodes.front().lookups = lookups;
  AreaReport r = report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"spf.too_many_lookups"});
  const auto& fix = finding(r, "spf.too_many_lookups").recommendation;
  EXPECT_NE(fix.find("\"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2"), std::string::npos) << fix;
  EXPECT_NE(fix.find("ip4:192.0.2.11 -all\""), std::string::npos) << fix;
  EXPECT_EQ(r.facts[1].value, "11 of 10 (worst case, every include followed)");
  // A lookup that failed cannot be flattened: then no record is offered.
  d.nodes.front().lookups[3].lookup_failed = true;
  EXPECT_EQ(finding(report(d), "spf.too_many_lookups").recommendation.find("flattened"),
            std::string::npos);
}

TEST(SpfCheck, VoidLookups) {
  SpfData d =
      record("v=spf1 a:gone1.example.co.nz a:gone2.example.co.nz a:gone3.example.co.nz -all");
  auto& l = d.nodes.front().lookups;
  l = {lookup("a:gone1.example.co.nz", Mechanism::kA, dns::Outcome::kNxDomain)};
  AreaReport r = report(d);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"spf.void_lookup"});
  EXPECT_EQ(r.details["void_lookups"], 1);
  l.push_back(lookup("a:gone2.example.co.nz", Mechanism::kA, dns::Outcome::kNoData));
  l.push_back(lookup("a:gone3.example.co.nz", Mechanism::kA, dns::Outcome::kNxDomain));
  r = report(d);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"spf.too_many_void_lookups"});
  EXPECT_EQ(void_lookups(d).size(), 3u);
  // A failed lookup is not a void one.
  l.back().lookup_failed = true;
  l.back().outcome = dns::Outcome::kServFail;
  EXPECT_EQ(ids(report(d)), V{"spf.void_lookup"});
}

TEST(SpfCheck, WhatTheRecordSaysOfEveryoneElse) {
  AreaReport r = report(record("v=spf1 mx +all"));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(ids(r), V{"spf.pass_all"});
  EXPECT_NE(r.findings[0].recommendation.find("\"v=spf1 mx -all\""), std::string::npos);
  EXPECT_EQ(ids(report(record("v=spf1 ip4:0.0.0.0/0 -all"))), V{"spf.pass_all"});
  r = report(record("v=spf1 mx ?all"));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"spf.neutral_all"});
  r = report(record("v=spf1 mx"));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"spf.no_all"});
  EXPECT_NE(r.findings[0].recommendation.find("\"v=spf1 mx ~all\""), std::string::npos);
}

TEST(SpfCheck, SoftFailIsInformationAndItsAdviceFollowsDmarc) {
  AreaReport r = report(record("v=spf1 mx ~all"));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"spf.softfail_all"});
  EXPECT_NE(r.findings[0].recommendation.find("-all"), std::string::npos);
  r = report(record("v=spf1 mx ~all"), {{}, false, policy::dmarc::Policy::kReject});
  EXPECT_EQ(ids(r), V{"spf.softfail_all"});
  EXPECT_TRUE(r.findings[0].recommendation.empty());
  EXPECT_NE(r.findings[0].summary.find("p=reject"), std::string::npos);
}

TEST(SpfCheck, LayoutNotes) {
  SpfData d = record("v=spf1 -all redirect=_spf.example.net");
  AreaReport r = report(d);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"spf.redirect_ignored"});
  EXPECT_EQ(ids(report(record("v=spf1 -all mx"))), V{"spf.terms_after_all"});
  d = record("v=spf1 -all");
  d.nodes.front().txt_octets = 600;
  r = report(d);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(ids(r), V{"spf.record_too_long"});
}

TEST(SpfCheck, OwnMxHostsThatWouldNotPassAreInformation) {
  SpfContext ctx;
  ctx.mx_auth = {{"mx.example.co.nz", "192.0.2.25", spf::SpfResult::kPass, ""},
                 {"mx.example.co.nz", "2001:db8::25", spf::SpfResult::kFail, ""}};
  AreaReport r = report(record("v=spf1 ip4:192.0.2.25 -all"), ctx);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(ids(r), V{"spf.mx_not_authorised"});
  EXPECT_EQ(r.findings[0].evidence, V{"mx.example.co.nz [2001:db8::25]: fail"});
  EXPECT_EQ(r.details["mx_authorisation"].size(), 2u);
}

TEST(SpfCheck, ZoneLinesAreSplitAndEscaped) {
  const std::string line = txt_record("example.co.nz", "v=spf1 \"odd\" -all");
  EXPECT_EQ(line, "example.co.nz. 3600 IN TXT \"v=spf1 \\\"odd\\\" -all\"");
  const std::string long_text = "v=spf1 " + std::string(300, 'a');
  EXPECT_NE(txt_record("x.nz", long_text).find("\" \""), std::string::npos);
}

}  // namespace
}  // namespace mc::checks
