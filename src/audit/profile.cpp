// profile.cpp - see profile.hpp; the requirements and their sources are listed in
// docs/profiles.md (keep the two in step).
#include "audit/profile.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <functional>
#include <set>

#include "audit/audit_data.hpp"
#include "net/smtp_probe.hpp"
#include "policy/dmarc.hpp"
#include "policy/mta_sts.hpp"
#include "policy/spf_parser.hpp"
#include "policy/text.hpp"

namespace mc::audit {
namespace {

constexpr std::string_view kSgeUrl =
    "https://www.digital.govt.nz/products-and-services/products-and-services-a-z/"
    "secure-government-email/secure-government-email-common-implementation-framework";
constexpr std::string_view kBodUrl = "https://cyber.dhs.gov/bod/18-01/";
constexpr std::string_view kDhsReports = "reports@dmarc.cyber.dhs.gov";

struct Verdict {
  std::string status;  // pass, fail, unknown, n/a
  std::string detail;
};

Verdict pass(std::string d) { return {"pass", std::move(d)}; }
Verdict fail(std::string d) { return {"fail", std::move(d)}; }
Verdict unknown(std::string d) { return {"unknown", std::move(d)}; }
Verdict not_applicable(std::string d) { return {"n/a", std::move(d)}; }

struct Context {
  const Report& report;
  bool selectors_given;

  const AreaReport* area(Area a) const { return report.area(a); }
  // The typed data the areas were judged from; null when the report has none.
  const AuditData* data() const { return report.data.get(); }
  Status status(Area a) const {
    const AreaReport* r = area(a);
    return r ? r->status : Status::kError;
  }
  bool has(std::string_view id) const {
    for (const auto& a : report.areas) {
      for (const auto& f : a.findings) {
        if (f.id == id) return true;
      }
    }
    return false;
  }
  bool non_mail() const { return report.grade && report.grade->non_mail_domain; }
};

// ---- mail servers (the starttls area's probes) -------------------------------------------

// mail_servers - judge every probed MX address; `judge` sees a TLS session's version (OpenSSL's
// protocol number) and cipher and returns "" when it is acceptable, else why not.
Verdict mail_servers(
    const Context& c,
    const std::function<std::string(int version, const std::string& cipher)>& judge) {
  if (c.non_mail()) return not_applicable("null MX: the domain receives no mail");
  if (!c.data() || !c.data()->transport) return unknown("the mail servers were not probed");
  std::vector<std::string> failed, unknowns;
  int sessions = 0;
  std::set<std::string> versions;
  for (const auto& h : c.data()->transport->hosts) {
    for (const auto& p : h.probes) {
      const std::string where = fmt::format("{} [{}]", h.host, p.target.address);
      if (p.tls) {
        ++sessions;
        versions.insert(std::string(net::protocol_name(p.tls->version)));
        if (std::string why = judge(p.tls->version, p.tls->cipher); !why.empty()) {
          failed.push_back(where + ": " + why);
        }
      } else if (p.connected && !p.starttls_offered) {
        failed.push_back(where + ": no STARTTLS");
      } else if (p.connected) {
        failed.push_back(where + ": STARTTLS offered, but no TLS session");
      } else {
        unknowns.push_back(fmt::format("{}: not probed ({})", where,
                                       p.failure ? p.failure->kind : "no connection"));
      }
    }
  }
  if (!failed.empty()) return fail(fmt::format("{}", fmt::join(failed, "; ")));
  if (!unknowns.empty()) return unknown(fmt::format("{}", fmt::join(unknowns, "; ")));
  if (sessions == 0) return not_applicable("no MX host with an address");
  return pass(
      fmt::format("{} address(es), all with STARTTLS ({})", sessions, fmt::join(versions, ", ")));
}

std::string needs_tls12(int version, const std::string&) {
  return version >= TLS1_2_VERSION ? "" : fmt::format("{} negotiated", net::protocol_name(version));
}

std::string any_tls(int, const std::string&) { return ""; }

bool weak_3des_rc4(const std::string& cipher) {
  return cipher.find("RC4") != std::string::npos || cipher.find("DES-CBC3") != std::string::npos ||
         cipher.find("3DES") != std::string::npos;
}

Verdict no_weak_crypto(const Context& c) {
  Verdict v = mail_servers(c, [](int version, const std::string& cipher) {
    if (version <= SSL3_VERSION) return fmt::format("{} negotiated", net::protocol_name(version));
    if (weak_3des_rc4(cipher)) return "cipher " + cipher;
    return std::string();
  });
  if (v.status != "pass") return v;
  // The preferred session is modern; whether a server still accepts SSLv3, RC4 or 3DES from a
  // client that offers nothing else takes a handshake offering only those, not made here.
  return unknown(v.detail +
                 "; no session used SSLv2/v3, RC4 or 3DES, but whether the servers still accept "
                 "them from a client offering nothing else was not probed");
}

// ---- SPF ------------------------------------------------------------------------------------

constexpr std::string_view kSpfInvalid[] = {"spf.multiple_records", "spf.syntax_error",
                                            "spf.too_many_lookups", "spf.too_many_void_lookups",
                                            "spf.include_loop",     "spf.include_no_spf",
                                            "spf.include_broken"};

// spf_record - the record at the domain (the first, when there are several).
std::string spf_record(const Context& c) {
  if (!c.data() || !c.data()->spf) return "";
  const auto& records = c.data()->spf->nodes.front().records;
  return records.empty() ? "" : records.front();
}

Verdict spf_valid(const Context& c) {
  if (c.status(Area::kSpf) == Status::kNone) return fail("no SPF record");
  for (auto id : kSpfInvalid) {
    if (c.has(id)) return fail(fmt::format("the SPF policy is invalid ({})", id));
  }
  if (c.status(Area::kSpf) == Status::kError) return unknown("the SPF record could not be read");
  if (spf_record(c).empty()) return unknown("the SPF record was not kept");
  return pass(spf_record(c));
}

Verdict spf_hardfail(const Context& c) {
  Verdict v = spf_valid(c);
  if (v.status != "pass") return v;
  const std::string record = spf_record(c);
  const auto parsed = policy::spf::parse_record(record);
  for (const auto& d : parsed.record.directives) {
    if (d.mechanism == policy::spf::Mechanism::kAll) {
      if (d.qualifier == policy::spf::Qualifier::kFail) return pass(record);
      return fail(fmt::format("the record ends in {}all, not -all", symbol(d.qualifier)));
    }
  }
  if (parsed.record.redirect) {
    return unknown(
        fmt::format("no all in the record; the policy ends in the record of "
                    "redirect={}, not judged here",
                    parsed.record.redirect->value));
  }
  return fail("the record has no all mechanism (it ends in neutral)");
}

// ---- DMARC ----------------------------------------------------------------------------------

struct Dmarc {
  bool found = false;
  bool inherited = false;
  policy::dmarc::Record record;
  std::string text;
};

Dmarc dmarc(const Context& c) {
  Dmarc d;
  if (!c.data() || !c.data()->dmarc || !c.data()->dmarc->policy_applies()) return d;
  d.text = c.data()->dmarc->rfc9989.record;
  const auto parsed = policy::dmarc::parse_dmarc(d.text);
  if (!parsed.ok()) return d;
  d.found = true;
  d.record = parsed.record;
  d.inherited = c.data()->dmarc->inherited();
  return d;
}

Verdict dmarc_missing(const Context& c, const Dmarc& d) {
  if (c.status(Area::kDmarc) == Status::kNone) return fail("no DMARC record");
  if (!c.data() || !c.data()->dmarc) return unknown("the DMARC data was not kept");
  if (c.status(Area::kDmarc) == Status::kError && d.text.empty()) {
    return unknown("the DMARC record could not be read");
  }
  return fail(d.text.empty() ? "no DMARC record" : "the DMARC record is invalid");
}

Verdict dmarc_reject(const Context& c) {
  const Dmarc d = dmarc(c);
  if (!d.found) return dmarc_missing(c, d);
  using policy::dmarc::Policy;
  const auto& r = d.record;
  const auto effective = d.inherited && r.sp ? r.sp : r.p;
  if (!effective || *effective != Policy::kReject) {
    return fail(fmt::format("{}={}{}", d.inherited && r.sp ? "sp" : "p",
                            effective ? policy::dmarc::to_string(*effective) : "?",
                            d.inherited ? " (the organizational domain's record)" : ""));
  }
  if (r.pct != 100) return fail(fmt::format("p=reject, but pct={}: not all mail", r.pct));
  if (!d.inherited && r.sp && *r.sp != Policy::kReject) {
    return fail(fmt::format("p=reject, but sp={} for subdomains", policy::dmarc::to_string(*r.sp)));
  }
  if (r.testing) return fail("p=reject, but t=y (testing) asks receivers to apply less");
  return pass(d.text);
}

Verdict dmarc_none_or_stronger(const Context& c) {
  const Dmarc d = dmarc(c);
  if (!d.found) return dmarc_missing(c, d);
  return pass(d.text);
}

Verdict dmarc_reports(const Context& c, bool aggregate_only) {
  const Dmarc d = dmarc(c);
  if (!d.found) return dmarc_missing(c, d);
  std::vector<std::string> uris;
  for (const auto& u : d.record.rua) uris.push_back(u.uri);
  if (!aggregate_only) {
    for (const auto& u : d.record.ruf) uris.push_back(u.uri);
  }
  if (uris.empty()) {
    return fail(aggregate_only ? "no rua= (aggregate reports) address" : "no rua= or ruf= address");
  }
  return pass(fmt::format("{}", fmt::join(uris, ", ")));
}

Verdict dmarc_dhs(const Context& c) {
  const Dmarc d = dmarc(c);
  if (!d.found) return dmarc_missing(c, d);
  for (const auto& u : d.record.rua) {
    if (u.scheme == "mailto" && policy::text::to_lower(u.mailbox) == kDhsReports) {
      return pass(u.uri);
    }
  }
  return fail(fmt::format("rua= does not include mailto:{}", kDhsReports));
}

Verdict dmarc_adkim_strict(const Context& c) {
  const Dmarc d = dmarc(c);
  if (!d.found) return dmarc_missing(c, d);
  return d.record.adkim == 's' ? pass("adkim=s") : fail("adkim=r (relaxed, the default)");
}

// ---- DKIM, MTA-STS, TLS-RPT -----------------------------------------------------------------

Verdict dkim_key(const Context& c) {
  if (c.non_mail()) return not_applicable("null MX: the domain sends no mail");
  switch (c.status(Area::kDkim)) {
    case Status::kPass:
    case Status::kWarn:
      return pass(c.area(Area::kDkim)->summary);
    case Status::kNone:
      if (c.selectors_given) return fail("no DKIM key at the selectors given");
      return unknown(
          "no DKIM key at the common selectors; selectors cannot be listed from DNS: give the "
          "domain's with --dkim-selector");
    case Status::kFail:
      return fail(c.area(Area::kDkim)->summary);
    case Status::kError:
      break;
  }
  return unknown("the DKIM records could not be read");
}

// mta_sts_mode - the mode of the one policy senders fetch and use, "" when there is none.
std::string mta_sts_mode(const Context& c) {
  if (!c.data() || !c.data()->mta_sts || !c.data()->mta_sts_policy) return "";
  const auto& fetch = *c.data()->mta_sts_policy;
  if (!fetch.usable() || c.data()->mta_sts->records().size() != 1 || c.has("mta_sts.txt_invalid")) {
    return "";
  }
  return std::string(policy::mta_sts::to_string(*fetch.parsed->policy.mode));
}

Verdict mta_sts_enforce(const Context& c) {
  const auto s = c.status(Area::kMtaSts);
  const std::string mode = mta_sts_mode(c);
  if (s == Status::kError) return unknown(c.area(Area::kMtaSts)->summary);
  if (s == Status::kNone) return fail("no MTA-STS policy");
  if (!c.data() || !c.data()->mta_sts) return unknown("the MTA-STS data was not kept");
  if (mode != "enforce") {
    return fail(mode.empty() ? c.area(Area::kMtaSts)->summary : "mode: " + mode);
  }
  if (s == Status::kFail) return fail(c.area(Area::kMtaSts)->summary);
  return pass("mode: enforce");
}

Verdict tls_rpt(const Context& c) {
  switch (c.status(Area::kTlsRpt)) {
    case Status::kPass:
    case Status::kWarn:
      if (c.data() && c.data()->tls_rpt && !c.data()->tls_rpt->records().empty()) {
        return pass(c.data()->tls_rpt->records().front());
      }
      return unknown("the TLS-RPT record was not kept");
    case Status::kNone:
      return fail("no TLS-RPT record at _smtp._tls");
    case Status::kFail:
      return fail(c.area(Area::kTlsRpt)->summary);
    case Status::kError:
      break;
  }
  return unknown("the TLS-RPT record could not be read");
}

// ---- the profiles ---------------------------------------------------------------------------

struct Requirement {
  const char* id;
  const char* text;
  const char* source;
  bool mandatory;
  std::function<Verdict(const Context&)> judge;
};

struct Profile {
  const char* name;
  const char* label;  // short, for a menu
  const char* title;
  std::string_view url;
  std::vector<Requirement> requirements;
};

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> all = {
      {"nz-sge",
       "NZ Secure Government Email (SGE)",
       "New Zealand Secure Government Email (SGE) Common Implementation Framework",
       kSgeUrl,
       {
           {"nz-sge.tls12", "Mail servers accept STARTTLS with TLS 1.2 or later",
            "SGE framework, technical controls: TLS (minimum version TLS 1.2)", true,
            [](const Context& c) { return mail_servers(c, needs_tls12); }},
           {"nz-sge.mta_sts_enforce", "An MTA-STS policy is published in enforce mode",
            "SGE framework, technical controls: MTA-STS", true, mta_sts_enforce},
           {"nz-sge.tls_rpt", "TLS reporting (TLS-RPT) is enabled",
            "SGE framework, technical controls: TLS-RPT", true, tls_rpt},
           {"nz-sge.spf_hardfail", "A valid SPF record that ends in -all (hard fail)",
            "SGE framework, technical controls: SPF", true, spf_hardfail},
           {"nz-sge.dkim", "Outbound mail is DKIM-signed (a usable DKIM key is published)",
            "SGE framework, technical controls: DKIM", true, dkim_key},
           {"nz-sge.dmarc_reject", "DMARC policy p=reject, applied to all mail",
            "SGE framework, technical controls: DMARC (outbound)", true, dmarc_reject},
           {"nz-sge.dmarc_reports", "DMARC aggregate reporting (rua) is configured",
            "SGE framework, technical controls: DMARC reporting", true,
            [](const Context& c) { return dmarc_reports(c, true); }},
           {"nz-sge.dmarc_adkim_strict",
            "Strict DKIM alignment (adkim=s) for domains not used for bulk mail",
            "SGE framework, technical controls: DMARC (recommended)", false, dmarc_adkim_strict},
       }},
      {"bod-18-01",
       "US CISA BOD 18-01",
       "US CISA Binding Operational Directive 18-01: Enhance Email and Web Security",
       kBodUrl,
       {
           {"bod-18-01.starttls", "All internet-facing mail servers offer STARTTLS",
            "BOD 18-01 §II Required Actions 1.a.i", true,
            [](const Context& c) { return mail_servers(c, any_tls); }},
           {"bod-18-01.spf", "A valid SPF record", "BOD 18-01 §II Required Actions 1.a.i", true,
            spf_valid},
           {"bod-18-01.dmarc", "A valid DMARC record (at least p=none)",
            "BOD 18-01 §II Required Actions 1.a.i", true, dmarc_none_or_stronger},
           {"bod-18-01.dmarc_reports",
            "At least one recipient of DMARC aggregate or failure reports (rua= or ruf=)",
            "BOD 18-01 §II Required Actions 1.a.i", true,
            [](const Context& c) { return dmarc_reports(c, false); }},
           {"bod-18-01.no_weak_crypto", "SSLv2, SSLv3, 3DES and RC4 disabled on mail servers",
            "BOD 18-01 §II Required Actions 1.a.ii", true, no_weak_crypto},
           {"bod-18-01.dmarc_dhs_rua",
            "DMARC aggregate reports also go to mailto:reports@dmarc.cyber.dhs.gov",
            "BOD 18-01 §II Required Actions 1.a.iii; Compliance Guide, DHS DMARC reporting "
            "location",
            true, dmarc_dhs},
           {"bod-18-01.dmarc_reject",
            "DMARC p=reject at pct=100, with no weaker sp= for subdomains",
            "BOD 18-01 §II Required Actions 1.a.iv; Compliance Guide FAQ (pct=100, sp=)", true,
            dmarc_reject},
       }},
  };
  return all;
}

}  // namespace

std::vector<std::string_view> profile_names() {
  std::vector<std::string_view> out;
  for (const auto& p : profiles()) out.emplace_back(p.name);
  return out;
}

std::string_view profile_label(std::string_view name) {
  for (const auto& p : profiles()) {
    if (p.name == name) return p.label;
  }
  return {};
}

bool is_profile(std::string_view name) {
  const auto names = profile_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Report with_profile(const Report& report, std::string_view name, bool dkim_selectors_given) {
  Report out = report;
  if (!name.empty()) out.profile = evaluate_profile(name, report, dkim_selectors_given);
  return out;
}

std::optional<ProfileReport> evaluate_profile(std::string_view name, const Report& report,
                                              bool dkim_selectors_given) {
  const auto& all = profiles();
  auto it = std::find_if(all.begin(), all.end(), [&](const Profile& p) { return p.name == name; });
  if (it == all.end()) return std::nullopt;
  const Context c{report, dkim_selectors_given};
  ProfileReport out;
  out.name = it->name;
  out.title = it->title;
  out.source = std::string(it->url);
  for (const auto& req : it->requirements) {
    Verdict v = req.judge(c);
    if (req.mandatory) {
      ++out.mandatory;
      if (v.status == "pass" || v.status == "n/a") ++out.passed;
      if (v.status == "unknown") ++out.unknown;
    }
    out.requirements.push_back(
        {req.id, req.text, req.source, req.mandatory, std::move(v.status), std::move(v.detail)});
  }
  out.compliant = out.passed == out.mandatory;
  return out;
}

}  // namespace mc::audit
