// dnssec.cpp - the dnssec check; see dnssec.hpp.
#include "checks/dnssec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "core/clock.hpp"
#include "core/findings.hpp"
#include "core/parallel.hpp"
#include "policy/tlsa.hpp"  // hex

namespace asio = boost::asio;

namespace mc::checks {
namespace {

int rank(dns::Security s) {
  switch (s) {
    case dns::Security::kSecure:
      return 0;
    case dns::Security::kInsecure:
      return 1;
    case dns::Security::kIndeterminate:
      return 2;
    case dns::Security::kBogus:
      return 3;
  }
  return 2;
}

// RFC 8624 §3.1: algorithms that must not or should not be used for signing.
bool algorithm_deprecated(int alg) {
  return alg == 1 || alg == 3 || alg == 5 || alg == 6 || alg == 7 || alg == 10 || alg == 12;
}

dns::Security host_state(const MxHost& h) {
  // Only the answers that exist count: a secure A with a secure AAAA denial is secure.
  return combine(h.a.security, h.aaaa.security);
}

}  // namespace

dns::Security combine(dns::Security x, dns::Security y) { return rank(x) >= rank(y) ? x : y; }

std::string algorithm_name(int alg) {
  switch (alg) {
    case 1:
      return "RSAMD5";
    case 3:
      return "DSA";
    case 5:
      return "RSASHA1";
    case 6:
      return "DSA-NSEC3-SHA1";
    case 7:
      return "RSASHA1-NSEC3-SHA1";
    case 8:
      return "RSASHA256";
    case 10:
      return "RSASHA512";
    case 12:
      return "ECC-GOST";
    case 13:
      return "ECDSAP256SHA256";
    case 14:
      return "ECDSAP384SHA384";
    case 15:
      return "ED25519";
    case 16:
      return "ED448";
    default:
      return fmt::format("algorithm {}", alg);
  }
}

asio::awaitable<ZoneData> collect_zone(dns::Resolver& resolver, const DomainName& domain,
                                       std::chrono::steady_clock::time_point audit_start) {
  ZoneData z;
  z.domain = domain.str();
  std::vector<asio::awaitable<dns::Answer>> lookups;
  lookups.push_back(resolver.query(domain.str(), dns::rrtype::kDnskey));
  lookups.push_back(resolver.query(domain.str(), dns::rrtype::kDs));
  lookups.push_back(resolver.query(domain.str(), dns::rrtype::kNsec3param));
  auto answers = co_await when_all(std::move(lookups));
  z.dnskey = std::move(answers[0]);
  z.ds = std::move(answers[1]);
  z.nsec3param = std::move(answers[2]);
  z.elapsed_ms = elapsed_ms(audit_start);
  co_return z;
}

namespace {

// numbers - one typed field of each record that decoded (a DNSKEY's algorithm, a DS's digest
// type). Only validated (or provably unsigned) data describes the zone; bogus records are
// evidence.
template <class Field>
std::set<int> numbers(const dns::Answer& a, Field field) {
  std::set<int> out;
  if (!a.has_data()) return out;
  for (const auto& r : a.records) {
    if (auto n = field(r)) out.insert(*n);
  }
  return out;
}

}  // namespace

std::set<int> zone_algorithms(const ZoneData& zone) {
  return numbers(zone.dnskey, [](const dns::Record& r) -> std::optional<int> {
    if (const auto* k = r.dnskey()) return k->algorithm;
    return std::nullopt;
  });
}

std::set<int> ds_digest_types(const ZoneData& zone) {
  return numbers(zone.ds, [](const dns::Record& r) -> std::optional<int> {
    if (const auto* ds = r.ds()) return ds->digest_type;
    return std::nullopt;
  });
}

std::vector<Nsec3Params> nsec3_params(const ZoneData& zone) {
  std::vector<Nsec3Params> out;
  if (!zone.nsec3param.has_data()) return out;
  for (const auto& r : zone.nsec3param.records) {
    const dns::Nsec3ParamRdata* param = r.nsec3param();
    if (param == nullptr) continue;
    // Presentation form (RFC 5155 §3.3): hex; empty for no salt (shown as "-").
    out.push_back({param->iterations, param->salt.empty() ? "" : policy::hex(param->salt)});
  }
  return out;
}

namespace {

// The domain's own state: the DNSKEY answer (data at a zone apex, or a denial inside a zone),
// combined with the MX answer, which every sender needs.
dns::Security domain_state(const ZoneData& zone, const MxData& mx) {
  return combine(zone.dnskey.security, mx.mx.security);
}

// ---- rules ----------------------------------------------------------------------------------

// The domain's validation: bogus (validating senders get SERVFAIL, RFC 4035 §4.3, RFC 7672
// §2.1.1), undetermined, unsigned (or signed with what validators cannot use), MX insecure.
void domain_validation(const ZoneData& zone, const MxData& mx, Evaluation& ev) {
  const std::string& d = zone.domain;
  const dns::Security zs = zone.dnskey.security;
  const dns::Security ms = mx.mx.security;
  const dns::Security ds = domain_state(zone, mx);
  if (zs == dns::Security::kBogus || ms == dns::Security::kBogus) {
    const dns::Answer& bad = zs == dns::Security::kBogus ? zone.dnskey : mx.mx;
    ev.add("dnssec.bogus", d,
           fmt::format("DNSSEC validation of {} fails: {}", d,
                       bad.why_bogus.empty() ? "bogus" : bad.why_bogus),
           {bad.describe()},
           fmt::format("Re-sign the zone {} (expired or missing signatures) and make sure the DS "
                       "records at the parent match a DNSKEY the zone publishes. If DNSSEC cannot "
                       "be repaired quickly, remove the DS records at the registrar first.",
                       d));
  } else if (zs == dns::Security::kIndeterminate || ms == dns::Security::kIndeterminate) {
    const dns::Answer& bad = zs == dns::Security::kIndeterminate ? zone.dnskey : mx.mx;
    ev.add("dnssec.indeterminate", d,
           fmt::format("the DNSSEC state of {} could not be determined", d), {bad.describe()},
           "Make sure every name server of the domain answers (including DNSKEY and DS queries) "
           "over UDP and TCP.");
  } else if (ds == dns::Security::kInsecure && zs == dns::Security::kInsecure &&
             zone.ds.security == dns::Security::kSecure && zone.ds.has_data()) {
    // RFC 4035 §5.2: a validated DS whose algorithms the validator does not support makes the
    // zone insecure, not bogus. The zone is signed; validators just cannot use it.
    ev.add("dnssec.unsupported_algorithm", d,
           fmt::format("{} is signed, but with an algorithm or DS digest this validator does not "
                       "support, so it counts as unsigned",
                       d),
           zone.ds.evidence_lines(),
           "Roll the zone to algorithm 13 (ECDSAP256SHA256) or 15 (ED25519) and publish a DS with "
           "digest type 2 (SHA-256).");
  } else if (ds == dns::Security::kInsecure && zs == dns::Security::kInsecure) {
    ev.add("dnssec.unsigned", d, fmt::format("{} is not DNSSEC-signed", d),
           {zone.dnskey.describe(), zone.ds.describe()},
           fmt::format("Turn on DNSSEC signing for {} at your DNS host (algorithm 13, "
                       "ECDSAP256SHA256, or 15, ED25519), then publish the DS record it gives you "
                       "at your registrar.",
                       d));
  } else if (zs == dns::Security::kSecure && ms == dns::Security::kInsecure) {
    ev.add("dnssec.mx_insecure", d,
           fmt::format("{} is signed but its MX answer is not DNSSEC-secure", d),
           mx.mx.evidence_lines(),
           "Publish the MX records in a signed zone (no CNAME into an unsigned zone).");
  }
}

// RFC 8624 §3.1 (algorithms), §3.3 (DS digests) for a signed zone apex.
void zone_algorithms_rule(const ZoneData& zone, Evaluation& ev) {
  for (int a : zone_algorithms(zone)) {
    if (!algorithm_deprecated(a)) continue;
    ev.add("dnssec.algorithm_deprecated", zone.domain,
           fmt::format("{} is signed with {} (algorithm {})", zone.domain, algorithm_name(a), a),
           zone.dnskey.evidence_lines(),
           "Roll the zone to algorithm 13 (ECDSAP256SHA256) or 15 (ED25519), then replace the DS "
           "at the registrar.");
  }
  if (ds_digest_types(zone) == std::set<int>{1}) {
    ev.add("dnssec.ds_sha1_only", zone.domain,
           fmt::format("the DS records of {} use only SHA-1 digests", zone.domain),
           zone.ds.evidence_lines(),
           "Publish a DS record with digest type 2 (SHA-256) at the registrar, then remove the "
           "SHA-1 one.");
  }
}

// RFC 9276 §3.1: NSEC3 with 0 extra iterations and no salt.
void nsec3_rule(const ZoneData& zone, Evaluation& ev) {
  const std::string& d = zone.domain;
  for (const auto& p : nsec3_params(zone)) {
    if (p.iterations > 0) {
      ev.add("dnssec.nsec3_iterations", d,
             fmt::format("{} uses NSEC3 with {} extra iterations", d, p.iterations),
             zone.nsec3param.evidence_lines(),
             fmt::format("Re-sign with 0 iterations and no salt: {}. 0 IN NSEC3PARAM 1 0 0 -", d));
    }
    if (!p.salt.empty()) {
      ev.add("dnssec.nsec3_salt", d, fmt::format("{} uses an NSEC3 salt ({})", d, p.salt),
             zone.nsec3param.evidence_lines(),
             fmt::format("Re-sign with an empty salt: {}. 0 IN NSEC3PARAM 1 0 0 -", d));
    }
  }
}

// MX hosts: DANE needs each host's addresses to be secure (RFC 7672 §2.2.2).
void mx_host_rule(const ZoneData& zone, const MxData& mx, const MxHost& h, Evaluation& ev) {
  const dns::Security st = host_state(h);
  if (st == dns::Security::kBogus) {
    const dns::Answer& bad = h.a.security == dns::Security::kBogus ? h.a : h.aaaa;
    ev.add("dnssec.mx_host_bogus", h.name,
           fmt::format("the addresses of MX host {} fail DNSSEC validation: {}", h.name,
                       bad.why_bogus.empty() ? "bogus" : bad.why_bogus),
           {bad.describe()},
           fmt::format("Repair DNSSEC for the zone that holds {} (re-sign it, or fix its DS).",
                       h.name));
  } else if (st == dns::Security::kIndeterminate) {
    ev.add("dnssec.indeterminate", h.name,
           fmt::format("the DNSSEC state of MX host {} could not be determined", h.name),
           {h.a.describe(), h.aaaa.describe()},
           fmt::format("Make sure the name servers for {} answer A and AAAA queries.", h.name));
  } else if (st == dns::Security::kInsecure && domain_state(zone, mx) == dns::Security::kSecure) {
    ev.add("dnssec.mx_host_insecure", h.name,
           fmt::format("{} is signed, but MX host {} is in an unsigned zone", zone.domain, h.name),
           {h.a.describe(), h.aaaa.describe()},
           fmt::format("Use a mail host whose zone is DNSSEC-signed, or ask the provider of {} to "
                       "sign it; until then DANE cannot protect delivery to it.",
                       h.name));
  }
}

bool any_bogus(const Evaluation& ev) {
  return ev.has("dnssec.bogus") || ev.has("dnssec.mx_host_bogus");
}

// The area as a whole: bogus anywhere fails; otherwise an undetermined state is an error, and an
// unsigned zone or a securely non-existent name has nothing deployed to judge.
AreaState dnssec_state(const ZoneData& zone, const MxData& mx, const Evaluation& ev) {
  if (any_bogus(ev)) return AreaState::kEvaluated;
  if (ev.has("dnssec.indeterminate")) return AreaState::kUndetermined;
  if (zone.dnskey.security == dns::Security::kInsecure) return AreaState::kNotDeployed;
  // Nothing to protect: the parent proves (securely) that the name does not exist.
  if (mx.mx.outcome == dns::Outcome::kNxDomain) return AreaState::kNotDeployed;
  return AreaState::kEvaluated;
}

std::string dnssec_summary(const ZoneData& zone, const MxData& mx, const Evaluation& ev) {
  if (any_bogus(ev)) return "DNSSEC validation fails (bogus)";
  if (ev.state == AreaState::kUndetermined) return "DNSSEC state could not be determined";
  if (zone.dnskey.security == dns::Security::kInsecure) return "not signed";
  if (ev.state == AreaState::kNotDeployed) {
    return "the domain does not exist (secure denial of existence)";
  }
  const auto algorithms = zone_algorithms(zone);
  const std::string alg = algorithms.empty() ? std::string("inside a signed zone")
                                             : algorithm_name(*algorithms.begin());
  const auto secure = std::count_if(mx.hosts.begin(), mx.hosts.end(), [](const MxHost& h) {
    return host_state(h) == dns::Security::kSecure;
  });
  return mx.hosts.empty()
             ? fmt::format("signed ({}), MX records secure", alg)
             : fmt::format("signed ({}), {} of {} MX host(s) secure", alg, secure, mx.hosts.size());
}

}  // namespace

Evaluation evaluate_dnssec(const ZoneData& zone, const MxData& mx) {
  Evaluation ev;
  domain_validation(zone, mx, ev);
  if (zone.dnskey.security == dns::Security::kSecure) {
    zone_algorithms_rule(zone, ev);
    nsec3_rule(zone, ev);
  }
  for (const auto& h : mx.hosts) mx_host_rule(zone, mx, h, ev);
  ev.state = dnssec_state(zone, mx, ev);
  return ev;
}

AreaView dnssec_view(const ZoneData& zone, const MxData& mx, const Evaluation& ev) {
  AreaView v;
  const dns::Security ds = domain_state(zone, mx);
  const auto algorithms = zone_algorithms(zone);
  const auto digests = ds_digest_types(zone);
  auto& d = v.details;
  d["state"] = dns::to_string(ds);
  d["zone_apex"] = zone.dnskey.has_data();
  d["algorithms"] = nlohmann::json::array();
  for (int a : algorithms) d["algorithms"].push_back({{"number", a}, {"name", algorithm_name(a)}});
  d["ds_digest_types"] = std::vector<int>(digests.begin(), digests.end());
  d["dnskey_lookup"] = dns::to_json(zone.dnskey);
  d["ds_lookup"] = dns::to_json(zone.ds);
  d["nsec3param_lookup"] = dns::to_json(zone.nsec3param);
  d["mx_state"] = dns::to_string(mx.mx.security);

  v.facts.push_back({"domain", std::string(dns::to_string(ds))});
  if (!algorithms.empty()) {
    std::vector<std::string> names;
    for (int a : algorithms) names.push_back(algorithm_name(a));
    v.facts.push_back({"algorithms", fmt::format("{}", fmt::join(names, ", "))});
  }
  v.facts.push_back({"MX records", std::string(dns::to_string(mx.mx.security))});
  if (zone.dnskey.security == dns::Security::kSecure) {
    for (const auto& p : nsec3_params(zone)) {
      d["nsec3"] = {{"iterations", p.iterations}, {"salt", p.salt}};
      v.facts.push_back({"NSEC3", fmt::format("{} iterations, salt {}", p.iterations,
                                              p.salt.empty() ? "-" : p.salt)});
    }
  }
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : mx.hosts) {
    const dns::Security st = host_state(h);
    hosts.push_back({{"name", h.name},
                     {"state", dns::to_string(st)},
                     {"ipv4", dns::to_string(h.a.security)},
                     {"ipv6", dns::to_string(h.aaaa.security)}});
    v.facts.push_back({fmt::format("MX host {}", h.name), std::string(dns::to_string(st))});
  }
  d["hosts"] = std::move(hosts);
  v.summary = dnssec_summary(zone, mx, ev);
  return v;
}

AreaReport dnssec_report(const ZoneData& zone, const MxData& mx) {
  const Evaluation ev = evaluate_dnssec(zone, mx);
  return area_report(Area::kDnssec, ev, dnssec_view(zone, mx, ev),
                     std::max(zone.elapsed_ms, mx.elapsed_ms));
}

}  // namespace mc::checks
