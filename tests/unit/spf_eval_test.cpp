// spf_eval_test.cpp - check_host() logic on an in-memory DNS table. The conformance suite and the
// cross-check against pyspf run against real DNS in the lab (tests/lab/spf_suite_test.py); these
// pin the evaluator's own decisions: limits, include/redirect mapping, exp, DNS errors.
#include "checks/spf_eval.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>

#include "test_support.hpp"

namespace mc::checks::spf {
namespace {

using dns::Answer;
using dns::Outcome;

class FakeDns {
 public:
  FakeDns& txt(const std::string& name, std::vector<std::string> strings) {
    dns::Record r;
    r.owner = name;
    r.type = dns::rrtype::kTxt;
    r.strings = std::move(strings);
    add(name, dns::rrtype::kTxt, r);
    return *this;
  }
  FakeDns& addr(const std::string& name, const std::string& ip) {
    const auto type = ip.find(':') == std::string::npos ? dns::rrtype::kA : dns::rrtype::kAaaa;
    add(name, type, test::rr(name, type, {ip}));
    return *this;
  }
  FakeDns& mx(const std::string& name, const std::string& host) {
    add(name, dns::rrtype::kMx, test::rr(name, dns::rrtype::kMx, {"10", host}));
    return *this;
  }
  FakeDns& servfail(const std::string& name) {
    servfail_.insert(name);
    exists_.insert(name);
    return *this;
  }

  Lookup lookup() {
    return [this](std::string name, std::uint16_t type) -> boost::asio::awaitable<Answer> {
      ++queries;
      Answer a;
      a.qname = name;
      a.qtype = type;
      if (servfail_.count(name)) {
        a.outcome = Outcome::kServFail;
        co_return a;
      }
      auto it = data_.find({name, type});
      if (it != data_.end()) {
        a.outcome = Outcome::kData;
        a.records = it->second;
      } else {
        a.outcome = exists_.count(name) ? Outcome::kNoData : Outcome::kNxDomain;
      }
      co_return a;
    };
  }

  int queries = 0;

 private:
  void add(const std::string& name, std::uint16_t type, dns::Record r) {
    data_[{name, type}].push_back(std::move(r));
    exists_.insert(name);
  }
  std::map<std::pair<std::string, std::uint16_t>, std::vector<dns::Record>> data_;
  std::set<std::string> exists_;
  std::set<std::string> servfail_;
};

Evaluation run(FakeDns& dns, const std::string& domain, const std::string& ip,
               const std::string& sender = "") {
  boost::asio::io_context io;
  EvalInput in;
  in.ip = *policy::spf::parse_ip(ip);
  in.domain = domain;
  in.sender = sender.empty() ? "user@" + domain : sender;
  in.helo = "helo.example.org";
  Evaluation out;
  boost::asio::co_spawn(io, check_host(dns.lookup(), in), [&](std::exception_ptr e, Evaluation ev) {
    if (e) std::rethrow_exception(e);
    out = std::move(ev);
  });
  io.run();
  return out;
}

TEST(SpfEval, BasicResults) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 ip4:192.0.2.0/24 a:mail.example.com ~all"})
      .txt("example.com", {"google-site-verification=x"})
      .addr("mail.example.com", "198.51.100.7");
  EXPECT_EQ(run(dns, "example.com", "192.0.2.9").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "198.51.100.7").result, SpfResult::kPass);
  auto e = run(dns, "example.com", "203.0.113.1");
  EXPECT_EQ(e.result, SpfResult::kSoftFail);
  EXPECT_EQ(e.lookup_terms, 1);
  EXPECT_EQ(e.record, "v=spf1 ip4:192.0.2.0/24 a:mail.example.com ~all");
  EXPECT_EQ(run(dns, "nothing.example", "192.0.2.9").result, SpfResult::kNone);
}

TEST(SpfEval, MultiStringRecordsJoinWithoutSpaces) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 ip4:192.0.2.1 ", "-all"});
  EXPECT_EQ(run(dns, "example.com", "192.0.2.2").result, SpfResult::kFail);
  dns.txt("split.example.com", {"v=spf1 ip4:192.0.2.1", "-all"});  // "192.0.2.1-all": bad
  EXPECT_EQ(run(dns, "split.example.com", "192.0.2.2").result, SpfResult::kPermError);
}

TEST(SpfEval, TwoRecordsOrSyntaxErrorArePermerror) {
  FakeDns dns;
  dns.txt("two.example.com", {"v=spf1 -all"}).txt("two.example.com", {"v=spf1 +all"});
  EXPECT_EQ(run(dns, "two.example.com", "192.0.2.2").result, SpfResult::kPermError);
  // Syntax first: the error after the matching term still makes it a permerror (§4.6).
  dns.txt("bad.example.com", {"v=spf1 +all bogus:x"});
  auto e = run(dns, "bad.example.com", "192.0.2.2");
  EXPECT_EQ(e.result, SpfResult::kPermError);
  EXPECT_NE(e.reason.find("unknown mechanism 'bogus'"), std::string::npos) << e.reason;
}

TEST(SpfEval, IncludeMapsResults) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 include:a.example.net include:b.example.net -all"})
      .txt("a.example.net", {"v=spf1 ip4:192.0.2.1 -all"})
      .txt("b.example.net", {"v=spf1 ip4:192.0.2.2 ?all"});
  EXPECT_EQ(run(dns, "example.com", "192.0.2.1").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "192.0.2.2").result, SpfResult::kPass);
  // The included -all does not end the outer evaluation.
  EXPECT_EQ(run(dns, "example.com", "192.0.2.3").result, SpfResult::kFail);
  dns.txt("none.example.com", {"v=spf1 include:missing.example.net -all"});
  EXPECT_EQ(run(dns, "none.example.com", "192.0.2.3").result, SpfResult::kPermError);
  dns.txt("temp.example.com", {"v=spf1 include:down.example.net -all"})
      .servfail("down.example.net");
  EXPECT_EQ(run(dns, "temp.example.com", "192.0.2.3").result, SpfResult::kTempError);
}

TEST(SpfEval, RedirectOnlyWithoutAll) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 redirect=_spf.example.com"})
      .txt("_spf.example.com", {"v=spf1 ip4:192.0.2.1 -all"})
      .txt("withall.example.com", {"v=spf1 ?all redirect=_spf.example.com"})
      .txt("nowhere.example.com", {"v=spf1 redirect=missing.example.com"});
  EXPECT_EQ(run(dns, "example.com", "192.0.2.1").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "192.0.2.9").result, SpfResult::kFail);
  EXPECT_EQ(run(dns, "withall.example.com", "192.0.2.1").result, SpfResult::kNeutral);
  EXPECT_EQ(run(dns, "nowhere.example.com", "192.0.2.1").result, SpfResult::kPermError);
}

TEST(SpfEval, TenLookupTermsAndLoops) {
  FakeDns dns;
  std::string rec = "v=spf1";
  for (int i = 0; i < 10; ++i) rec += " a:h" + std::to_string(i) + ".example.com";
  for (int i = 0; i < 10; ++i) dns.addr("h" + std::to_string(i) + ".example.com", "198.51.100.1");
  dns.txt("ten.example.com", {rec + " -all"}).txt("eleven.example.com", {rec + " mx -all"});
  EXPECT_EQ(run(dns, "ten.example.com", "192.0.2.1").result, SpfResult::kFail);
  auto e = run(dns, "eleven.example.com", "192.0.2.1");
  EXPECT_EQ(e.result, SpfResult::kPermError);
  EXPECT_EQ(e.lookup_terms, 11);
  dns.txt("loop.example.com", {"v=spf1 include:loop.example.com -all"});
  EXPECT_EQ(run(dns, "loop.example.com", "192.0.2.1").result, SpfResult::kPermError);
}

TEST(SpfEval, VoidLookups) {
  FakeDns dns;
  dns.txt("two.example.com", {"v=spf1 a:n1.example.com a:n2.example.com -all"})
      .txt("three.example.com",
           {"v=spf1 a:n1.example.com a:n2.example.com exists:n3.example.com -all"});
  auto e = run(dns, "two.example.com", "192.0.2.1");
  EXPECT_EQ(e.result, SpfResult::kFail);
  EXPECT_EQ(e.void_lookups, 2);
  EXPECT_EQ(run(dns, "three.example.com", "192.0.2.1").result, SpfResult::kPermError);
}

TEST(SpfEval, DnsErrorsInMechanismsAreTemperror) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 a:down.example.com -all"}).servfail("down.example.com");
  EXPECT_EQ(run(dns, "example.com", "192.0.2.1").result, SpfResult::kTempError);
  dns.servfail("broken.example.com");
  EXPECT_EQ(run(dns, "broken.example.com", "192.0.2.1").result, SpfResult::kTempError);
}

TEST(SpfEval, MxUsesTheExchangesAddresses) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 mx -all"})
      .mx("example.com", "mx1.example.com")
      .addr("mx1.example.com", "192.0.2.10")
      .addr("mx1.example.com", "2001:db8::10");
  EXPECT_EQ(run(dns, "example.com", "192.0.2.10").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "2001:db8::10").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "::ffff:192.0.2.10").result, SpfResult::kPass);
  EXPECT_EQ(run(dns, "example.com", "192.0.2.11").result, SpfResult::kFail);
}

TEST(SpfEval, Explanation) {
  FakeDns dns;
  dns.txt("example.com", {"v=spf1 -all exp=why.example.com"})
      .txt("why.example.com", {"%{i} may not send for %{d}"})
      .txt("noexp.example.com", {"v=spf1 -all exp=missing.example.com"});
  auto e = run(dns, "example.com", "192.0.2.1");
  EXPECT_EQ(e.result, SpfResult::kFail);
  EXPECT_EQ(e.explanation, "192.0.2.1 may not send for example.com");
  // A broken exp= never changes the result (§6.2).
  e = run(dns, "noexp.example.com", "192.0.2.1");
  EXPECT_EQ(e.result, SpfResult::kFail);
  EXPECT_NE(e.explanation.find("not authorised"), std::string::npos);
}

TEST(SpfEval, MalformedDomainIsNone) {
  FakeDns dns;
  EXPECT_EQ(run(dns, "localhost", "192.0.2.1").result, SpfResult::kNone);
  EXPECT_EQ(run(dns, "a..example.com", "192.0.2.1").result, SpfResult::kNone);
  EXPECT_EQ(run(dns, std::string(64, 'a') + ".example.com", "192.0.2.1").result, SpfResult::kNone);
  EXPECT_EQ(dns.queries, 0);
}

TEST(SpfEval, PresentationNameEscapes) {
  EXPECT_EQ(presentation_name("a b%.example.com"), "a\\032b%.example.com");
  EXPECT_EQ(presentation_name("foo:bar/baz;(x)\\.example.com"),
            "foo:bar/baz\\;\\(x\\)\\\\.example.com");
  EXPECT_EQ(presentation_name("_spf.Example.com"), "_spf.Example.com");
}

}  // namespace
}  // namespace mc::checks::spf
