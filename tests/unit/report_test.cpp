// report_test.cpp - renderers on a fixed report model: contract fields, escaping, width.
// Also writes the JSON of the fixed reports to MAILCHECK_JSON_OUT (if set) so that the schema test
// validates them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/findings.hpp"
#include "report/render.hpp"

namespace mc::report {
namespace {

Report sample() {
  Report r;
  r.domain = "xn--mller-kva.co.nz";
  r.domain_unicode = "müller.co.nz";
  r.generated_at = "2026-11-29T00:00:00Z";
  r.tool_version = "0.1.0";
  r.resolver = {"forwarding", {"127.53.0.53"}, "/lab/root.key"};
  AreaReport mx;
  mx.area = Area::kMx;
  mx.status = Status::kWarn;
  mx.summary = "no MX records: implicit MX to <script>alert(1)</script>";
  mx.facts.push_back({"(implicit) müller.co.nz", "192.0.2.5, 2001:db8::5"});
  mx.details = {{"implicit", true}, {"null_mx", false}, {"hosts", nlohmann::json::array()}};
  mx.findings.push_back(make_finding(
      "mx.implicit", "xn--mller-kva.co.nz",
      "xn--mller-kva.co.nz has no MX records; senders deliver to its own addresses and this "
      "sentence is long enough that it must be wrapped to fit in eighty columns of text",
      {"xn--mller-kva.co.nz. 3600 IN A 192.0.2.5"},
      "Publish an MX record:\nxn--mller-kva.co.nz. 3600 IN MX 10 xn--mller-kva.co.nz."));
  r.areas.push_back(mx);
  AreaReport dnssec;
  dnssec.area = Area::kDnssec;
  dnssec.status = Status::kFail;
  dnssec.summary = "DNSSEC validation fails (bogus)";
  dnssec.details = {{"state", "bogus"}};
  dnssec.findings.push_back(
      make_finding("dnssec.bogus", "xn--mller-kva.co.nz", "bogus \"quoted\" & <b>"));
  r.areas.push_back(dnssec);
  return r;
}

TEST(JsonReport, CarriesTheContract) {
  auto j = to_json(sample());
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["domain"], "xn--mller-kva.co.nz");
  EXPECT_EQ(j["domain_unicode"], "müller.co.nz");
  EXPECT_EQ(j["checks"]["mx"]["status"], "warn");
  EXPECT_EQ(j["checks"]["mx"]["implicit"], true);  // details are merged into the area object
  EXPECT_EQ(j["checks"]["dnssec"]["status"], "fail");
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0]["id"], "mx.implicit");
  EXPECT_EQ(j["findings"][0]["check"], "mx");
  EXPECT_EQ(j["findings"][0]["severity"], "warning");
  EXPECT_EQ(j["findings"][1]["severity"], "critical");
  if (const char* out = std::getenv("MAILCHECK_JSON_OUT")) {
    std::ofstream(std::string(out) + "/unit-sample.json") << render_json(sample());
    Report empty;
    empty.domain = empty.domain_unicode = "example.nz";
    empty.generated_at = "2026-11-29T00:00:00Z";
    empty.tool_version = "0.1.0";
    empty.resolver = {"recursive", {}, "/usr/share/dns/root.key"};
    std::ofstream(std::string(out) + "/unit-empty.json") << render_json(empty);
    Report skipped = sample();
    skipped.not_tested.push_back({Area::kDkim, "selectors were not guessed"});
    std::ofstream(std::string(out) + "/unit-not-tested.json") << render_json(skipped);
  }
}

TEST(Reports, SayWhatWasNotTestedWithoutAStatus) {
  Report r = sample();
  r.not_tested.push_back({Area::kDkim, "DKIM selectors were not guessed"});
  auto j = to_json(r);
  EXPECT_FALSE(j["checks"].contains("dkim"));  // no status that could read as a verdict
  ASSERT_EQ(j["not_tested"].size(), 1u);
  EXPECT_EQ(j["not_tested"][0]["check"], "dkim");
  EXPECT_EQ(j["not_tested"][0]["reason"], "DKIM selectors were not guessed");
  EXPECT_FALSE(to_json(sample()).contains("not_tested"));
  const std::string text = render_text(r, {false, 80});
  EXPECT_NE(text.find("dkim      SKIPPED not tested: DKIM selectors were not guessed"),
            std::string::npos)
      << text;
  EXPECT_NE(render_html(r).find("not tested</span></td><td>DKIM selectors were not guessed"),
            std::string::npos);
}

TEST(TextReport, FitsEightyColumnsWithoutColour) {
  std::string text = render_text(sample(), {false, 80});
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // Count code points, not bytes: "müller" is 6 columns.
    std::size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, 80u) << line;
  }
  EXPECT_EQ(text.find('\033'), std::string::npos);
  EXPECT_NE(text.find("mx.implicit"), std::string::npos);
  EXPECT_NE(text.find("WARN"), std::string::npos);
  EXPECT_NE(text.find("IN MX 10 xn--mller-kva.co.nz."), std::string::npos);
}

TEST(TextReport, ColourOnlyWhenAsked) {
  EXPECT_NE(render_text(sample(), {true, 80}).find("\033["), std::string::npos);
}

TEST(HtmlReport, EscapesEverythingAndIsSelfContained) {
  std::string html = render_html(sample());
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("bogus &quot;quoted&quot; &amp; &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
}

TEST(Wrap, BreaksAtWordsAndKeepsNewlines) {
  EXPECT_EQ(wrap("aaa bbb ccc", 7, ""), "aaa bbb\nccc\n");
  EXPECT_EQ(wrap("one\ntwo", 80, "> "), "> one\n> two\n");
}

}  // namespace
}  // namespace mc::report
