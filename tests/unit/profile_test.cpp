// profile_test.cpp - compliance profiles judged from hand-made reports: each requirement's pass,
// fail and "unknown" (what a remote audit cannot see is never a pass).
#include "audit/profile.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <map>

#include "audit/audit_data.hpp"
#include "test_support.hpp"

namespace mc::audit {
namespace {

AreaReport area(Area a, Status s) {
  AreaReport r;
  r.area = a;
  r.status = s;
  r.summary = "summary";
  return r;
}

net::ProbeResult session(int version, const std::string& cipher,
                         const std::string& address = "192.0.2.25") {
  net::ProbeResult p;
  p.target.host = "mx.example.nz";
  p.target.address = address;
  p.connected = p.starttls_offered = p.starttls_accepted = true;
  p.tls.emplace();
  p.tls->version = version;
  p.tls->cipher = cipher;
  return p;
}

net::ProbeResult no_starttls(const std::string& address) {
  net::ProbeResult p;
  p.target.address = address;
  p.connected = true;
  return p;
}

net::ProbeResult not_connected(const std::string& address, const std::string& kind) {
  net::ProbeResult p;
  p.target.address = address;
  p.failure = net::ProbeFailure{net::ProbeStep::kConnect, kind, "not allowed"};
  return p;
}

// A domain that does everything both baselines ask, apart from what each varies.
struct Domain {
  int tls_version = TLS1_3_VERSION;
  std::string cipher = "TLS_AES_256_GCM_SHA384";
  std::string spf = "v=spf1 mx -all";
  std::string dmarc =
      "v=DMARC1; p=reject; adkim=s; rua=mailto:d@example.nz,mailto:reports@dmarc.cyber.dhs.gov";
  bool dmarc_inherited = false;
  Status dkim = Status::kPass;
  std::string sts_mode = "enforce";
  Status tls_rpt = Status::kPass;
  std::vector<std::string> extra_findings;
  std::optional<std::vector<net::ProbeResult>> probes;
  bool null_mx = false;

  AuditData data() const {
    AuditData d;
    checks::MxData mx;
    mx.domain = "example.nz";
    if (null_mx) mx.entries.push_back({0, "."});
    d.mx = mx;
    checks::TransportData t;
    t.hosts.push_back(
        {"mx.example.nz", {}, probes ? *probes : std::vector{session(tls_version, cipher)}, {}});
    if (null_mx) t.hosts.clear();
    d.transport = t;
    checks::SpfData spf_data;
    spf_data.domain = "example.nz";
    spf_data.nodes.emplace_back();
    if (!spf.empty()) spf_data.nodes.front().records = {spf};
    d.spf = spf_data;
    checks::DmarcData dm;
    dm.domain = "example.nz";
    for (auto* disc : {&dm.rfc9989, &dm.rfc7489}) {
      disc->outcome =
          dmarc.empty() ? policy::dmarc::Outcome::kNone : policy::dmarc::Outcome::kRecord;
      disc->record = dmarc;
      disc->policy_domain = dmarc_inherited ? "example.nz" : "sub.example.nz";
      disc->level =
          dmarc_inherited ? policy::dmarc::Level::kOrganizational : policy::dmarc::Level::kAuthor;
    }
    d.dmarc = dm;
    checks::MtaStsData sts;
    sts.domain = "example.nz";
    if (!sts_mode.empty()) {
      sts.txt = test::txt("_mta-sts.example.nz", {"v=STSv1; id=20261203;"});
      checks::PolicyFetch fetch;
      fetch.parsed = policy::mta_sts::parse_policy("version: STSv1\nmode: " + sts_mode +
                                                   "\nmx: mx.example.nz\nmax_age: 604800\n");
      d.mta_sts_policy = fetch;
    }
    d.mta_sts = sts;
    checks::TlsRptData rpt;
    rpt.domain = "example.nz";
    rpt.txt = test::txt("_smtp._tls.example.nz", {"v=TLSRPTv1; rua=mailto:t@x.nz"});
    d.tls_rpt = rpt;
    return d;
  }

  Report report() const {
    Report r;
    r.areas.push_back(area(Area::kMx, Status::kPass));
    r.areas.push_back(area(Area::kStarttls, Status::kPass));
    r.areas.push_back(area(Area::kMtaSts, sts_mode.empty() ? Status::kNone : Status::kPass));
    r.areas.push_back(area(Area::kTlsRpt, tls_rpt));
    r.areas.push_back(area(Area::kSpf, spf.empty() ? Status::kNone : Status::kPass));
    r.areas.push_back(area(Area::kDkim, dkim));
    r.areas.push_back(area(Area::kDmarc, dmarc.empty() ? Status::kNone : Status::kPass));
    for (const auto& id : extra_findings) r.areas[4].findings.push_back({id, "", "", {}, "", ""});
    r.data = std::make_shared<const AuditData>(data());
    r.grade = Grade{};
    r.grade->non_mail_domain = null_mx;
    return r;
  }
};

std::map<std::string, std::string> statuses(const ProfileReport& p) {
  std::map<std::string, std::string> out;
  for (const auto& r : p.requirements) out[r.id] = r.status;
  return out;
}

ProfileReport judge(const std::string& name, const Domain& d, bool selectors = false) {
  auto p = evaluate_profile(name, d.report(), selectors);
  EXPECT_TRUE(p) << name;
  return p ? *p : ProfileReport{};
}

TEST(Profile, UnknownNameIsNullopt) {
  EXPECT_FALSE(evaluate_profile("pci-dss", Domain{}.report(), false));
  EXPECT_EQ(profile_names().size(), 2u);
}

TEST(Profile, SgeCompliantDomain) {
  const auto p = judge("nz-sge", Domain{});
  EXPECT_TRUE(p.compliant);
  EXPECT_EQ(p.passed, p.mandatory);
  for (const auto& [id, s] : statuses(p)) EXPECT_EQ(s, "pass") << id;
}

TEST(Profile, SgeNeedsTls12EnforceMinusAllAndReject) {
  Domain d;
  d.tls_version = TLS1_1_VERSION;
  d.sts_mode = "testing";
  d.spf = "v=spf1 mx ~all";
  d.dmarc = "v=DMARC1; p=quarantine; rua=mailto:d@example.nz";
  const auto s = statuses(judge("nz-sge", d));
  EXPECT_EQ(s.at("nz-sge.tls12"), "fail");
  EXPECT_EQ(s.at("nz-sge.mta_sts_enforce"), "fail");
  EXPECT_EQ(s.at("nz-sge.spf_hardfail"), "fail");
  EXPECT_EQ(s.at("nz-sge.dmarc_reject"), "fail");
  EXPECT_EQ(s.at("nz-sge.dmarc_reports"), "pass");
  EXPECT_EQ(s.at("nz-sge.dmarc_adkim_strict"), "fail");  // recommended only
}

TEST(Profile, DkimNotFoundIsUnknownUnlessSelectorsWereGiven) {
  Domain d;
  d.dkim = Status::kNone;
  auto p = judge("nz-sge", d, false);
  EXPECT_EQ(statuses(p).at("nz-sge.dkim"), "unknown");
  EXPECT_FALSE(p.compliant);
  EXPECT_EQ(p.unknown, 1);
  EXPECT_EQ(statuses(judge("nz-sge", d, true)).at("nz-sge.dkim"), "fail");
}

TEST(Profile, SpfPermErrorsAreNotValid) {
  Domain d;
  d.extra_findings = {"spf.too_many_lookups"};
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.spf"), "fail");
  d.extra_findings.clear();
  d.spf = "v=spf1 redirect=_spf.example.nz";
  EXPECT_EQ(statuses(judge("nz-sge", d)).at("nz-sge.spf_hardfail"), "unknown");
  d.spf = "";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.spf"), "fail");
}

TEST(Profile, BodRejectMeansAllMailAndSubdomains) {
  Domain d;
  auto s = statuses(judge("bod-18-01", d));
  EXPECT_EQ(s.at("bod-18-01.dmarc_reject"), "pass");
  EXPECT_EQ(s.at("bod-18-01.dmarc_dhs_rua"), "pass");
  d.dmarc = "v=DMARC1; p=reject; pct=50; rua=mailto:reports@dmarc.cyber.dhs.gov";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.dmarc_reject"), "fail");
  d.dmarc = "v=DMARC1; p=reject; sp=none; rua=mailto:reports@dmarc.cyber.dhs.gov";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.dmarc_reject"), "fail");
  // A subdomain under its organizational domain's record: sp applies.
  d.dmarc_inherited = true;
  d.dmarc = "v=DMARC1; p=none; sp=reject; rua=mailto:reports@dmarc.cyber.dhs.gov";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.dmarc_reject"), "pass");
  d.dmarc = "v=DMARC1; p=reject; rua=mailto:d@example.nz";
  d.dmarc_inherited = false;
  s = statuses(judge("bod-18-01", d));
  EXPECT_EQ(s.at("bod-18-01.dmarc_dhs_rua"), "fail");
  EXPECT_EQ(s.at("bod-18-01.dmarc_reports"), "pass");
  d.dmarc = "v=DMARC1; p=none";
  s = statuses(judge("bod-18-01", d));
  EXPECT_EQ(s.at("bod-18-01.dmarc"), "pass");
  EXPECT_EQ(s.at("bod-18-01.dmarc_reports"), "fail");
  d.dmarc = "";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.dmarc"), "fail");
}

TEST(Profile, WeakCryptoFailsWhenSeenAndIsUnknownOtherwise) {
  Domain d;
  const auto p = judge("bod-18-01", d);
  EXPECT_EQ(statuses(p).at("bod-18-01.no_weak_crypto"), "unknown");
  EXPECT_FALSE(p.compliant);  // what was not probed is not a pass
  d.tls_version = TLS1_2_VERSION;
  d.cipher = "DES-CBC3-SHA";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.no_weak_crypto"), "fail");
}

TEST(Profile, MailServersWithoutStarttlsFailAndUnprobedOnesAreUnknown) {
  Domain d;
  d.probes = {session(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256"), no_starttls("192.0.2.26")};
  auto p = judge("bod-18-01", d);
  EXPECT_EQ(statuses(p).at("bod-18-01.starttls"), "fail");
  EXPECT_NE(p.requirements[0].detail.find("mx.example.nz [192.0.2.26]: no STARTTLS"),
            std::string::npos);
  d.probes = {session(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256"),
              not_connected("10.0.0.25", "blocked")};
  p = judge("bod-18-01", d);
  EXPECT_EQ(statuses(p).at("bod-18-01.starttls"), "unknown");
  EXPECT_NE(p.requirements[0].detail.find("not probed (blocked)"), std::string::npos);
}

TEST(Profile, NullMxDomainsHaveNoMailServersToJudge) {
  Domain d;
  d.null_mx = true;
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.starttls"), "n/a");
}

TEST(Profile, WhatTheReportDidNotKeepIsUnknownNeverAPass) {
  // A report without the audit's typed data (one read back, say): nothing can be confirmed.
  Report r = Domain{}.report();
  r.data.reset();
  const auto p = evaluate_profile("nz-sge", r, false);
  ASSERT_TRUE(p);
  const auto s = statuses(*p);
  EXPECT_EQ(s.at("nz-sge.tls12"), "unknown");
  EXPECT_EQ(s.at("nz-sge.spf_hardfail"), "unknown");
  EXPECT_EQ(s.at("nz-sge.tls_rpt"), "unknown");
  EXPECT_EQ(s.at("nz-sge.mta_sts_enforce"), "unknown");
  EXPECT_EQ(s.at("nz-sge.dmarc_reject"), "unknown");
  EXPECT_FALSE(p->compliant);
}

}  // namespace
}  // namespace mc::audit
