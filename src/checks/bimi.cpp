// bimi.cpp - see bimi.hpp.
#include "checks/bimi.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/findings.hpp"
#include "policy/report_policy.hpp"

namespace mc::checks {

boost::asio::awaitable<BimiData> collect_bimi(dns::Resolver& resolver, const DomainName& domain,
                                              std::chrono::steady_clock::time_point audit_start) {
  BimiData d;
  d.domain = domain.str();
  d.txt = co_await resolver.query("default._bimi." + d.domain, dns::rrtype::kTxt);
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

AreaReport evaluate_bimi(const BimiData& data, const DmarcData& dmarc) {
  AreaReport r;
  r.area = Area::kBimi;
  r.elapsed_ms = data.elapsed_ms;
  const std::string owner = "default._bimi." + data.domain;
  r.details = {{"domain", data.domain}, {"name", owner}};
  auto add = [&](std::string_view id, std::string summary, std::vector<std::string> evidence = {},
                 std::string fix = {}) {
    r.findings.push_back(
        make_finding(id, owner, std::move(summary), std::move(evidence), std::move(fix)));
  };
  std::vector<std::string> records;
  for (const auto& rec : data.txt.records) {
    if (policy::is_bimi_record(rec.txt())) records.push_back(rec.txt());
  }
  if (!data.txt.is_answer() || records.empty()) {
    // Information only: a failed lookup or no record is "none", never an audit failure.
    r.status = Status::kNone;
    r.summary = data.txt.is_answer() ? "no BIMI record" : "the BIMI lookup failed";
    return r;
  }
  r.details["record"] = records.front();
  r.facts.push_back({"record", records.front()});
  bool warned = false;
  const auto parsed = policy::parse_bimi(records.front());
  if (records.size() > 1 || !parsed.ok()) {
    warned = true;
    std::vector<std::string> ev = records;
    for (const auto& e : parsed.errors) ev.push_back(e);
    add("bimi.invalid",
        records.size() > 1 ? "several BIMI records"
                           : "the BIMI record is invalid: " + parsed.errors.front(),
        ev, "Publish one record: v=BIMI1; l=https://<host>/logo.svg; a=https://<host>/vmc.pem");
  } else if (!parsed.record.declined && parsed.record.certificate.empty()) {
    add("bimi.no_certificate",
        "no a= mark certificate: the largest mailbox providers show logos only with one",
        {records.front()});
  }
  // BIMI's precondition: an enforcing DMARC policy for all mail (pct=100), subdomains included.
  int pct = 100;
  const auto policy = effective_policy(dmarc, &pct);
  bool subdomains_exempt = false;
  if (dmarc.rfc9989.outcome == policy::dmarc::Outcome::kRecord) {
    const auto sp = policy::dmarc::parse_dmarc(dmarc.rfc9989.record).record.sp;
    subdomains_exempt = sp && *sp == policy::dmarc::Policy::kNone;
  }
  const bool enforcing =
      policy && *policy != policy::dmarc::Policy::kNone && pct == 100 && !subdomains_exempt;
  r.details["dmarc_enforcing"] = enforcing;
  if (!enforcing) {
    warned = true;
    add("bimi.dmarc_not_enforcing",
        policy ? fmt::format("DMARC p={}{}{}: receivers show no logo without p=quarantine or "
                             "p=reject at 100%, subdomains included",
                             policy::dmarc::to_string(*policy),
                             pct < 100 ? fmt::format(" pct={}", pct) : "",
                             subdomains_exempt ? " sp=none" : "")
               : "no valid DMARC policy: receivers show no BIMI logo",
        {}, "Move DMARC to p=quarantine or p=reject without pct (see the dmarc check).");
  }
  r.status = warned ? Status::kWarn : Status::kPass;
  r.summary = warned ? "BIMI published, but receivers will not show the logo"
                     : "BIMI published, DMARC precondition met";
  return r;
}

}  // namespace mc::checks
