// bimi.cpp - see bimi.hpp.
#include "checks/bimi.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "policy/report_policy.hpp"

namespace mc::checks {

std::vector<std::string> BimiData::records() const {
  std::vector<std::string> out;
  for (const auto& rec : txt.records) {
    if (policy::is_bimi_record(rec.txt())) out.push_back(rec.txt());
  }
  return out;
}

BimiPrecondition bimi_precondition(const DmarcData& dmarc) {
  BimiPrecondition p;
  p.policy = effective_policy(dmarc, &p.pct);
  if (dmarc.rfc9989.outcome == policy::dmarc::Outcome::kRecord) {
    const auto sp = policy::dmarc::parse_dmarc(dmarc.rfc9989.record).record.sp;
    p.subdomains_exempt = sp && *sp == policy::dmarc::Policy::kNone;
  }
  return p;
}

boost::asio::awaitable<BimiData> collect_bimi(dns::Resolver& resolver, const DomainName& domain,
                                              std::chrono::steady_clock::time_point audit_start) {
  BimiData d;
  d.domain = domain.str();
  d.txt = co_await resolver.query(d.owner(), dns::rrtype::kTxt);
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

namespace {

// One record, well formed.
void record_syntax(const BimiData& data, const std::vector<std::string>& records, Evaluation& ev) {
  const auto parsed = policy::parse_bimi(records.front());
  if (records.size() > 1 || !parsed.ok()) {
    std::vector<std::string> evidence = records;
    evidence.insert(evidence.end(), parsed.errors.begin(), parsed.errors.end());
    ev.add("bimi.invalid", data.owner(),
           records.size() > 1 ? "several BIMI records"
                              : "the BIMI record is invalid: " + parsed.errors.front(),
           evidence,
           "Publish one record: v=BIMI1; l=https://<host>/logo.svg; a=https://<host>/vmc.pem");
  } else if (!parsed.record.declined && parsed.record.certificate.empty()) {
    ev.add("bimi.no_certificate", data.owner(),
           "no a= mark certificate: the largest mailbox providers show logos only with one",
           {records.front()});
  }
}

// BIMI's precondition: an enforcing DMARC policy for all mail (pct=100), subdomains included.
void dmarc_precondition(const BimiData& data, const DmarcData& dmarc, Evaluation& ev) {
  const BimiPrecondition p = bimi_precondition(dmarc);
  if (p.enforcing()) return;
  ev.add("bimi.dmarc_not_enforcing", data.owner(),
         p.policy ? fmt::format("DMARC p={}{}{}: receivers show no logo without p=quarantine or "
                                "p=reject at 100%, subdomains included",
                                policy::dmarc::to_string(*p.policy),
                                p.pct < 100 ? fmt::format(" pct={}", p.pct) : "",
                                p.subdomains_exempt ? " sp=none" : "")
                  : "no valid DMARC policy: receivers show no BIMI logo",
         {}, "Move DMARC to p=quarantine or p=reject without pct (see the dmarc check).");
}

bool logo_refused(const Evaluation& ev) {
  return ev.has("bimi.invalid") || ev.has("bimi.dmarc_not_enforcing");
}

}  // namespace

Evaluation evaluate_bimi(const BimiData& data, const DmarcData& dmarc) {
  Evaluation ev;
  const auto records = data.records();
  if (!data.txt.is_answer() || records.empty()) {
    // Information only: a failed lookup or no record is "none", never an audit failure.
    ev.state = AreaState::kNotDeployed;
    return ev;
  }
  record_syntax(data, records, ev);
  dmarc_precondition(data, dmarc, ev);
  return ev;
}

AreaView bimi_view(const BimiData& data, const DmarcData& dmarc, const Evaluation& ev) {
  AreaView v;
  v.details = {{"domain", data.domain}, {"name", data.owner()}};
  if (ev.state == AreaState::kNotDeployed) {
    v.summary = data.txt.is_answer() ? "no BIMI record" : "the BIMI lookup failed";
    return v;
  }
  const auto records = data.records();
  v.details["record"] = records.front();
  v.facts.push_back({"record", records.front()});
  v.details["dmarc_enforcing"] = bimi_precondition(dmarc).enforcing();
  v.summary = logo_refused(ev) ? "BIMI published, but receivers will not show the logo"
                               : "BIMI published, DMARC precondition met";
  return v;
}

AreaReport bimi_report(const BimiData& data, const DmarcData& dmarc) {
  const Evaluation ev = evaluate_bimi(data, dmarc);
  return area_report(Area::kBimi, ev, bimi_view(data, dmarc, ev), data.elapsed_ms);
}

}  // namespace mc::checks
