// dmarc.cpp - see dmarc.hpp. Section numbers are RFC 7489.
#include "checks/dmarc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checks/spf.hpp"
#include "core/findings.hpp"
#include "core/parallel.hpp"
#include "core/psl.hpp"
#include "policy/text.hpp"

namespace mc::checks {
namespace {

namespace asio = boost::asio;
using dns::Answer;
using dns::Outcome;
using policy::dmarc::Policy;

int strength(Policy p) { return p == Policy::kReject ? 2 : p == Policy::kQuarantine ? 1 : 0; }

// with_tag - the record text with tag set to value (replaced in place, or appended), or removed
// when value is empty. Other tags keep their text and order.
std::string with_tag(const std::string& record, const std::string& tag, const std::string& value) {
  std::vector<std::string> parts;
  bool done = false;
  std::size_t s = 0;
  while (s <= record.size()) {
    std::size_t e = record.find(';', s);
    if (e == std::string::npos) e = record.size();
    std::string p = record.substr(s, e - s);
    p.erase(0, p.find_first_not_of(" \t"));
    p.erase(p.find_last_not_of(" \t") + 1);
    if (!p.empty()) {
      std::string name = p.substr(0, p.find('='));
      name.erase(name.find_last_not_of(" \t") + 1);
      name = policy::text::to_lower(name);
      if (name == tag) {
        if (!value.empty()) parts.push_back(tag + "=" + value);
        done = true;
      } else {
        parts.push_back(p);
      }
    }
    if (e == record.size()) break;
    s = e + 1;
  }
  if (!done && !value.empty()) {
    // p belongs right after v (§6.4); anything else goes at the end.
    parts.insert(tag == "p" && !parts.empty() ? parts.begin() + 1 : parts.end(), tag + "=" + value);
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// clean_record - a valid rewrite of a broken record: v=DMARC1 first, p right after it (the
// record's own valid p, else none), then every other well-formed tag once, in order.
std::string clean_record(const std::string& record) {
  const auto parsed = policy::dmarc::parse_dmarc(record);
  std::string out =
      fmt::format("v=DMARC1; p={}", parsed.record.p ? policy::dmarc::to_string(*parsed.record.p)
                                                    : std::string_view("none"));
  std::set<std::string> seen{"v", "p"};
  std::size_t s = 0;
  while (s <= record.size()) {
    std::size_t e = record.find(';', s);
    if (e == std::string::npos) e = record.size();
    const std::string part(policy::text::trim_fws(std::string_view(record).substr(s, e - s)));
    const std::size_t eq = part.find('=');
    if (eq != std::string::npos) {
      const std::string name =
          policy::text::to_lower(policy::text::trim_fws(std::string_view(part).substr(0, eq)));
      const bool valid_sp = name != "sp" || parsed.record.sp.has_value();
      if (!name.empty() && valid_sp && seen.insert(name).second) out += "; " + part;
    }
    if (e == record.size()) break;
    s = e + 1;
  }
  return out;
}

std::string describe_alignment(char mode, const char* what) {
  return mode == 's' ? fmt::format("{} strict (the exact From domain)", what)
                     : fmt::format("{} relaxed (any name in the same organizational domain)", what);
}

}  // namespace

std::vector<std::string> dmarc_records(const Answer& txt) {
  std::vector<std::string> out;
  for (const auto& r : txt.records) {
    std::string s = r.txt();
    if (policy::dmarc::is_dmarc_record(s)) out.push_back(std::move(s));
  }
  return out;
}

const Answer& DmarcData::policy_answer() const { return org ? *org : own; }
std::string DmarcData::policy_domain() const { return org ? org_domain : domain; }
std::vector<std::string> DmarcData::records() const { return dmarc_records(policy_answer()); }

asio::awaitable<DmarcData> collect_dmarc(dns::Resolver& resolver, const DomainName& domain,
                                         std::chrono::steady_clock::time_point audit_start) {
  DmarcData d;
  d.domain = domain.str();
  d.org_domain = organizational_domain(d.domain);
  d.psl_source = psl_source();
  d.own = co_await resolver.query("_dmarc." + d.domain, dns::rrtype::kTxt);
  // §6.6.3: no valid record at the domain itself: ask the organizational domain, nothing between.
  if (d.own.is_answer() && dmarc_records(d.own).empty() && d.org_domain != d.domain) {
    d.org = co_await resolver.query("_dmarc." + d.org_domain, dns::rrtype::kTxt);
  }
  const auto records = d.records();
  if (records.size() == 1) {
    const auto parsed = policy::dmarc::parse_dmarc(records.front());
    const std::string policy_domain = d.policy_domain();
    const std::string policy_org = organizational_domain(policy_domain);
    std::set<std::string> asked;
    std::vector<asio::awaitable<Answer>> lookups;
    for (const auto* list : {&parsed.record.rua, &parsed.record.ruf}) {
      for (const auto& u : *list) {
        if (!u.valid || u.host.empty()) continue;
        // §7.1: reports to another organizational domain need its consent.
        if (organizational_domain(u.host) == policy_org || !asked.insert(u.host).second) continue;
        DmarcDestination dest{u.uri, u.host, policy_domain + "._report._dmarc." + u.host, {}};
        lookups.push_back(resolver.query(dest.name, dns::rrtype::kTxt));
        d.destinations.push_back(std::move(dest));
      }
    }
    auto answers = co_await when_all(std::move(lookups));
    for (std::size_t i = 0; i < answers.size(); ++i) d.destinations[i].txt = std::move(answers[i]);
  }
  d.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - audit_start)
          .count();
  co_return d;
}

std::optional<Policy> effective_policy(const DmarcData& data, int* pct) {
  const auto records = data.records();
  if (records.size() != 1) return std::nullopt;
  const auto parsed = policy::dmarc::parse_dmarc(records.front());
  if (!parsed.ok()) return std::nullopt;
  if (pct) *pct = parsed.record.pct;
  // §6.6.3: a policy found at the organizational domain applies sp (default p) to a subdomain.
  auto p = data.inherited() && parsed.record.sp ? parsed.record.sp : parsed.record.p;
  // DMARCbis t=y: receivers apply one step less (reject -> quarantine -> none).
  if (p && parsed.record.testing) p = *p == Policy::kReject ? Policy::kQuarantine : Policy::kNone;
  return p;
}

AreaReport evaluate_dmarc(const DmarcData& data) {
  AreaReport r;
  r.area = Area::kDmarc;
  r.elapsed_ms = data.elapsed_ms;
  const std::string& d = data.domain;
  const std::string owner = "_dmarc." + d;
  nlohmann::json details{{"domain", d},
                         {"organizational_domain", data.org_domain},
                         {"psl", data.psl_source},
                         {"inherited", data.inherited()}};
  auto done = [&](Status s, std::string summary) {
    r.status = s;
    r.summary = std::move(summary);
    r.details = details;
    return r;
  };
  const std::string starter = fmt::format("v=DMARC1; p=none; rua=mailto:dmarc-reports@{}", d);

  for (const Answer* a : {&data.own, data.org ? &*data.org : nullptr}) {
    if (a && !a->is_answer()) {
      add_finding(
          r, "dmarc.lookup_failed", a->qname,
          fmt::format("the DMARC lookup of {} failed", a->qname), a->evidence_lines(),
          "Make the name servers answer TXT queries for the _dmarc name (and DNSSEC validate).");
      return done(Status::kError, "the DMARC lookup failed");
    }
  }
  if (data.org_domain != d) {
    r.facts.push_back(
        {"organizational domain", fmt::format("{} ({})", data.org_domain, data.psl_source)});
  }
  const auto records = data.records();
  if (records.empty()) {
    // Something at _dmarc that is almost DMARC (v= not first, "dmarc1") is a broken record.
    std::vector<std::string> near;
    for (const auto& rec : data.own.records) {
      std::string s = rec.txt();
      const std::string l = policy::text::to_lower(s);
      if (l.find("dmarc1") != std::string::npos) near.push_back(s);
    }
    if (!near.empty()) {
      add_finding(
          r, "dmarc.invalid_record", d,
          "the TXT record at _dmarc does not start with v=DMARC1, so receivers ignore it", near,
          "Publish it with v=DMARC1 (upper case) as the first tag, p right after it, e.g.\n" +
              txt_record(owner, starter));
      return done(Status::kFail, "the DMARC record is not recognised");
    }
    add_finding(r, "dmarc.none", d,
                data.org
                    ? fmt::format("neither {} nor its organizational domain {} publishes DMARC", d,
                                  data.org_domain)
                    : fmt::format("{} publishes no DMARC policy", d),
                {},
                "Start monitoring (a mailbox you read receives the aggregate reports):\n" +
                    txt_record(owner, starter) +
                    "\nthen move to p=quarantine and p=reject once the reports show only your own "
                    "services sending as the domain.");
    return done(Status::kNone, "no DMARC policy");
  }
  const std::string policy_owner = "_dmarc." + data.policy_domain();
  if (records.size() > 1) {
    add_finding(r, "dmarc.multiple_records", data.policy_domain(),
                fmt::format("{} DMARC records: receivers apply none of them", records.size()),
                records, "Keep exactly one record at " + policy_owner + ".");
    return done(Status::kFail, "several DMARC records");
  }
  const std::string& text = records.front();
  details["record"] = text;
  r.facts.push_back({"record", text});
  const auto parsed = policy::dmarc::parse_dmarc(text);
  const auto& rec = parsed.record;
  bool failed = false, warned = false;
  if (data.inherited()) {
    add_finding(r, "dmarc.inherited", d,
                fmt::format("no record at {}; the organizational domain's record at {} applies{}",
                            owner, policy_owner, rec.sp ? " (its sp= policy)" : ""),
                {text});
  }
  if (!parsed.ok()) {
    failed = true;
    std::vector<std::string> ev{text};
    for (const auto& e : parsed.errors)
      ev.push_back(fmt::format("offset {}: {}", e.pos, e.message));
    const bool rua_ok =
        std::any_of(rec.rua.begin(), rec.rua.end(), [](auto& u) { return u.valid; });
    add_finding(r, "dmarc.syntax_error", data.policy_domain(),
                rua_ok ? "the policy is invalid: receivers act as if p=none"
                       : "the policy is invalid and has no valid rua: receivers apply no DMARC",
                ev, "Correct it, e.g.\n" + txt_record(policy_owner, clean_record(text)));
  }
  for (const auto& w : parsed.warnings) {
    warned = true;
    add_finding(r, "dmarc.tag_invalid", data.policy_domain(), w.message, {text},
                fmt::format("Correct or remove the {} tag; its default applies meanwhile.", w.tag));
  }
  if (rec.p && !rec.p_second) {
    add_finding(r, "dmarc.p_not_second", data.policy_domain(),
                "p is not the tag right after v=DMARC1, which RFC 7489 requires", {text},
                txt_record(policy_owner, with_tag(with_tag(text, "p", ""), "p",
                                                  std::string(policy::dmarc::to_string(*rec.p)))));
  }

  const auto eff = effective_policy(data);
  // For a subdomain living on its organizational domain's sp=, the next step edits sp, never
  // the organizational domain's own p.
  const std::string policy_tag = data.inherited() && rec.sp ? "sp" : "p";
  if (eff) {
    details["policy"] = policy::dmarc::to_string(*eff);
    r.facts.push_back(
        {"policy", fmt::format("{}{}", policy::dmarc::to_string(*eff),
                               rec.pct < 100 ? fmt::format(" for {}%", rec.pct) : "")});
    if (rec.sp && !data.inherited()) {
      r.facts.push_back({"subdomain policy", std::string(policy::dmarc::to_string(*rec.sp))});
    }
    if (*eff == Policy::kNone) {
      warned = true;
      add_finding(
          r, "dmarc.policy_none", d,
          "p=none: receivers only report; forged mail from the domain is delivered", {text},
          "When the aggregate reports show that all your own mail passes SPF or DKIM aligned, "
          "publish:\n" +
              txt_record(policy_owner, with_tag(text, policy_tag, "quarantine")));
    } else if (*eff == Policy::kQuarantine) {
      add_finding(r, "dmarc.policy_quarantine", d, "p=quarantine: failing mail goes to spam",
                  {text},
                  "The last step, once the reports stay clean:\n" +
                      txt_record(policy_owner, with_tag(text, policy_tag, "reject")));
    }
    if (rec.pct < 100) {
      warned = true;
      add_finding(
          r, "dmarc.pct_partial", d,
          fmt::format("pct={}: the policy applies to only {}% of failing mail", rec.pct, rec.pct),
          {text},
          "Remove pct (100 is the default):\n" +
              txt_record(policy_owner, with_tag(text, "pct", "")));
    }
    if (rec.testing) {
      warned = true;
      add_finding(r, "dmarc.testing_mode", d, "t=y: receivers apply one step less than the policy",
                  {text}, txt_record(policy_owner, with_tag(text, "t", "")));
    }
    if (!data.inherited() && rec.p && rec.sp && strength(*rec.sp) < strength(*rec.p)) {
      warned = true;
      add_finding(r, "dmarc.subdomain_policy_weaker", d,
                  fmt::format("sp={} is weaker than p={}: forged mail from subdomains gets through",
                              policy::dmarc::to_string(*rec.sp), policy::dmarc::to_string(*rec.p)),
                  {text}, txt_record(policy_owner, with_tag(text, "sp", "")));
    }
  }
  r.facts.push_back({"alignment", describe_alignment(rec.adkim, "DKIM") + "; " +
                                      describe_alignment(rec.aspf, "SPF")});
  details["adkim"] = std::string(1, rec.adkim);
  details["aspf"] = std::string(1, rec.aspf);
  details["pct"] = rec.pct;

  // Reports.
  nlohmann::json rua = nlohmann::json::array();
  for (const auto& u : rec.rua) rua.push_back({{"uri", u.uri}, {"valid", u.valid}});
  details["rua"] = rua;
  std::vector<std::string> rua_text;
  for (const auto& u : rec.rua) rua_text.push_back(u.uri);
  if (!rua_text.empty()) {
    std::string joined_rua;
    for (const auto& u : rua_text) joined_rua += (joined_rua.empty() ? "" : ", ") + u;
    r.facts.push_back({"aggregate reports to", joined_rua});
  }
  if (rec.rua.empty()) {
    add_finding(r, "dmarc.no_rua", d, "no rua: nobody receives the aggregate reports", {text},
                txt_record(policy_owner,
                           with_tag(text, "rua",
                                    fmt::format("mailto:dmarc-reports@{}", data.policy_domain()))));
  }
  for (const auto* list : {&rec.rua, &rec.ruf}) {
    for (const auto& u : *list) {
      if (u.valid && u.scheme != "mailto") {
        add_finding(
            r, "dmarc.uri_scheme", d,
            fmt::format("'{}': receivers are only required to send reports by mailto", u.uri),
            {text});
      }
    }
  }
  if (!rec.ruf.empty()) {
    add_finding(
        r, "dmarc.ruf_requested", d,
        "ruf asks for failure reports: few receivers send them, and they carry message content",
        {text});
  }
  nlohmann::json dests = nlohmann::json::array();
  for (const auto& dest : data.destinations) {
    const bool ok = !dmarc_records(dest.txt).empty();
    dests.push_back({{"host", dest.host},
                     {"name", dest.name},
                     {"authorized", dest.txt.is_answer() ? nlohmann::json(ok) : nullptr}});
    if (!dest.txt.is_answer()) {
      add_finding(r, "dmarc.external_check_failed", dest.host,
                  fmt::format("whether {} accepts reports for the domain could not be checked ({})",
                              dest.host, dest.txt.describe()),
                  dest.txt.evidence_lines());
    } else if (!ok) {
      warned = true;
      add_finding(
          r, "dmarc.external_unauthorized", dest.host,
          fmt::format("reports to {} are not authorised by {}, so receivers will not send them",
                      dest.uri, dest.host),
          dest.txt.evidence_lines(),
          fmt::format("The operator of {} publishes:\n{}", dest.host,
                      txt_record(dest.name, "v=DMARC1")));
    }
  }
  details["external_destinations"] = dests;

  if (failed) return done(Status::kFail, "the DMARC record is invalid");
  const std::string pol = eff ? std::string(policy::dmarc::to_string(*eff)) : "?";
  return done(warned ? Status::kWarn : Status::kPass, fmt::format("DMARC policy {}", pol));
}

}  // namespace mc::checks
