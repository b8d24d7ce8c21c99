// profile_test.cpp - compliance profiles judged from hand-made reports: each requirement's pass,
// fail and "unknown" (what a remote audit cannot see is never a pass).
#include "audit/profile.hpp"

#include <gtest/gtest.h>

#include <map>

namespace mc::audit {
namespace {

AreaReport area(Area a, Status s, nlohmann::json details = nlohmann::json::object()) {
  AreaReport r;
  r.area = a;
  r.status = s;
  r.summary = "summary";
  r.details = std::move(details);
  return r;
}

nlohmann::json session(const std::string& version, const std::string& cipher) {
  return {{"address", "192.0.2.25"},
          {"connected", true},
          {"starttls_offered", true},
          {"tls", {{"version", version}, {"cipher", cipher}}}};
}

// A domain that does everything both baselines ask, apart from what each varies.
struct Domain {
  std::string tls_version = "TLSv1.3";
  std::string cipher = "TLS_AES_256_GCM_SHA384";
  std::string spf = "v=spf1 mx -all";
  std::string dmarc =
      "v=DMARC1; p=reject; adkim=s; rua=mailto:d@example.nz,mailto:reports@dmarc.cyber.dhs.gov";
  bool dmarc_inherited = false;
  Status dkim = Status::kPass;
  std::string sts_mode = "enforce";
  Status tls_rpt = Status::kPass;
  std::vector<std::string> extra_findings;
  nlohmann::json addresses;

  Report report() const {
    Report r;
    nlohmann::json addrs =
        addresses.is_null() ? nlohmann::json::array({session(tls_version, cipher)}) : addresses;
    r.areas.push_back(area(Area::kMx, Status::kPass));
    r.areas.push_back(area(Area::kStarttls, Status::kPass,
                           {{"hosts", {{{"name", "mx.example.nz"}, {"addresses", addrs}}}}}));
    r.areas.push_back(
        area(Area::kMtaSts, sts_mode.empty() ? Status::kNone : Status::kPass,
             sts_mode.empty() ? nlohmann::json::object() : nlohmann::json{{"mode", sts_mode}}));
    r.areas.push_back(area(Area::kTlsRpt, tls_rpt, {{"record", "v=TLSRPTv1; rua=mailto:t@x.nz"}}));
    r.areas.push_back(
        area(Area::kSpf, spf.empty() ? Status::kNone : Status::kPass,
             spf.empty() ? nlohmann::json::object() : nlohmann::json{{"record", spf}}));
    r.areas.push_back(area(Area::kDkim, dkim));
    r.areas.push_back(
        area(Area::kDmarc, dmarc.empty() ? Status::kNone : Status::kPass,
             dmarc.empty() ? nlohmann::json::object()
                           : nlohmann::json{{"record", dmarc}, {"inherited", dmarc_inherited}}));
    for (const auto& id : extra_findings) r.areas[4].findings.push_back({id, "", "", {}, "", ""});
    r.grade = Grade{};
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
  d.tls_version = "TLSv1.1";
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
  d.tls_version = "TLSv1.2";
  d.cipher = "DES-CBC3-SHA";
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.no_weak_crypto"), "fail");
}

TEST(Profile, MailServersWithoutStarttlsFailAndUnprobedOnesAreUnknown) {
  Domain d;
  d.addresses = nlohmann::json::array(
      {session("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
       {{"address", "192.0.2.26"}, {"connected", true}, {"starttls_offered", false}}});
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.starttls"), "fail");
  d.addresses = nlohmann::json::array(
      {session("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
       {{"address", "10.0.0.25"}, {"connected", false}, {"failure", {{"kind", "blocked"}}}}});
  EXPECT_EQ(statuses(judge("bod-18-01", d)).at("bod-18-01.starttls"), "unknown");
}

TEST(Profile, NullMxDomainsHaveNoMailServersToJudge) {
  Domain d;
  d.addresses = nlohmann::json::array();
  Report r = d.report();
  r.grade->non_mail_domain = true;
  const auto p = evaluate_profile("bod-18-01", r, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(statuses(*p).at("bod-18-01.starttls"), "n/a");
}

}  // namespace
}  // namespace mc::audit
