// dnssec.cpp - the dnssec check; see dnssec.hpp.
#include "checks/dnssec.hpp"

#include <fmt/format.h>

#include <algorithm>
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

AreaReport evaluate_dnssec(const ZoneData& zone, const MxData& mx) {
  AreaReport rep;
  rep.area = Area::kDnssec;
  rep.elapsed_ms = std::max(zone.elapsed_ms, mx.elapsed_ms);
  const std::string& domain = zone.domain;
  auto& findings = rep.findings;
  nlohmann::json details;

  // The domain's own state: the DNSKEY answer (data at a zone apex, or a denial inside a zone),
  // combined with the MX answer, which every sender needs.
  const dns::Security zone_state = zone.dnskey.security;
  const dns::Security mx_state = mx.mx.security;
  const dns::Security domain_state = combine(zone_state, mx_state);

  // Only validated (or provably unsigned) data describes the zone; bogus records are evidence only.
  std::set<int> algorithms;
  for (const auto& r : zone.dnskey.has_data() ? zone.dnskey.records : std::vector<dns::Record>{}) {
    if (const auto* key = r.dnskey()) algorithms.insert(key->algorithm);
  }
  std::set<int> ds_digests;
  for (const auto& r : zone.ds.has_data() ? zone.ds.records : std::vector<dns::Record>{}) {
    if (const auto* ds = r.ds()) ds_digests.insert(ds->digest_type);
  }
  details["state"] = dns::to_string(domain_state);
  details["zone_apex"] = zone.dnskey.has_data();
  details["algorithms"] = nlohmann::json::array();
  for (int a : algorithms)
    details["algorithms"].push_back({{"number", a}, {"name", algorithm_name(a)}});
  details["ds_digest_types"] = std::vector<int>(ds_digests.begin(), ds_digests.end());
  details["dnskey_lookup"] = dns::to_json(zone.dnskey);
  details["ds_lookup"] = dns::to_json(zone.ds);
  details["nsec3param_lookup"] = dns::to_json(zone.nsec3param);
  details["mx_state"] = dns::to_string(mx_state);

  rep.facts.push_back(Fact{"domain", std::string(dns::to_string(domain_state))});
  if (!algorithms.empty()) {
    std::string names;
    for (int a : algorithms) names += (names.empty() ? "" : ", ") + algorithm_name(a);
    rep.facts.push_back(Fact{"algorithms", names});
  }
  rep.facts.push_back(Fact{"MX records", std::string(dns::to_string(mx_state))});

  bool critical = false;
  bool warning = false;
  bool undetermined = false;

  // Bogus: validating senders get SERVFAIL (RFC 4035 §4.3, RFC 7672 §2.1.1).
  if (zone_state == dns::Security::kBogus || mx_state == dns::Security::kBogus) {
    const dns::Answer& bad = zone_state == dns::Security::kBogus ? zone.dnskey : mx.mx;
    findings.push_back(make_finding(
        "dnssec.bogus", domain,
        fmt::format("DNSSEC validation of {} fails: {}", domain,
                    bad.why_bogus.empty() ? "bogus" : bad.why_bogus),
        {bad.describe()},
        fmt::format("Re-sign the zone {} (expired or missing signatures) and make sure the DS "
                    "records at the parent match a DNSKEY the zone publishes. If DNSSEC cannot be "
                    "repaired quickly, remove the DS records at the registrar first.",
                    domain)));
    critical = true;
  } else if (zone_state == dns::Security::kIndeterminate ||
             mx_state == dns::Security::kIndeterminate) {
    const dns::Answer& bad = zone_state == dns::Security::kIndeterminate ? zone.dnskey : mx.mx;
    findings.push_back(make_finding(
        "dnssec.indeterminate", domain,
        fmt::format("the DNSSEC state of {} could not be determined", domain), {bad.describe()},
        "Make sure every name server of the domain answers (including DNSKEY and DS queries) over "
        "UDP and TCP."));
    undetermined = true;
  } else if (domain_state == dns::Security::kInsecure && zone_state == dns::Security::kInsecure &&
             zone.ds.security == dns::Security::kSecure && zone.ds.has_data()) {
    // RFC 4035 §5.2: a validated DS whose algorithms the validator does not support makes the
    // zone insecure, not bogus. The zone is signed; validators just cannot use it.
    findings.push_back(make_finding(
        "dnssec.unsupported_algorithm", domain,
        fmt::format("{} is signed, but with an algorithm or DS digest this validator does not "
                    "support, so it counts as unsigned",
                    domain),
        zone.ds.evidence_lines(),
        "Roll the zone to algorithm 13 (ECDSAP256SHA256) or 15 (ED25519) and publish a DS with "
        "digest type 2 (SHA-256)."));
  } else if (domain_state == dns::Security::kInsecure && zone_state == dns::Security::kInsecure) {
    findings.push_back(make_finding(
        "dnssec.unsigned", domain, fmt::format("{} is not DNSSEC-signed", domain),
        {zone.dnskey.describe(), zone.ds.describe()},
        fmt::format("Turn on DNSSEC signing for {} at your DNS host (algorithm 13, "
                    "ECDSAP256SHA256, or 15, ED25519), then publish the DS record it gives you at "
                    "your registrar.",
                    domain)));
  } else if (zone_state == dns::Security::kSecure && mx_state == dns::Security::kInsecure) {
    findings.push_back(
        make_finding("dnssec.mx_insecure", domain,
                     fmt::format("{} is signed but its MX answer is not DNSSEC-secure", domain),
                     mx.mx.evidence_lines(),
                     "Publish the MX records in a signed zone (no CNAME into an unsigned zone)."));
    warning = true;
  }

  // Zone parameters, when the domain is a signed zone apex.
  if (zone_state == dns::Security::kSecure) {
    for (int a : algorithms) {
      if (algorithm_deprecated(a)) {
        findings.push_back(make_finding(
            "dnssec.algorithm_deprecated", domain,
            fmt::format("{} is signed with {} (algorithm {})", domain, algorithm_name(a), a),
            zone.dnskey.evidence_lines(),
            "Roll the zone to algorithm 13 (ECDSAP256SHA256) or 15 (ED25519), then replace the DS "
            "at the registrar."));
        warning = true;
      }
    }
    if (!ds_digests.empty() && ds_digests == std::set<int>{1}) {
      findings.push_back(make_finding(
          "dnssec.ds_sha1_only", domain,
          fmt::format("the DS records of {} use only SHA-1 digests", domain),
          zone.ds.evidence_lines(),
          "Publish a DS record with digest type 2 (SHA-256) at the registrar, then remove the "
          "SHA-1 one."));
      warning = true;
    }
    for (const auto& r :
         zone.nsec3param.has_data() ? zone.nsec3param.records : std::vector<dns::Record>{}) {
      const dns::Nsec3ParamRdata* param = r.nsec3param();
      if (param == nullptr) continue;
      const int iterations = param->iterations;
      // Presentation form (RFC 5155 §3.3): hex, or "-" for no salt.
      const std::string salt = param->salt.empty() ? "-" : policy::hex(param->salt);
      details["nsec3"] = {{"iterations", iterations}, {"salt", salt == "-" ? "" : salt}};
      rep.facts.push_back(Fact{"NSEC3", fmt::format("{} iterations, salt {}", iterations, salt)});
      if (iterations > 0) {
        findings.push_back(make_finding(
            "dnssec.nsec3_iterations", domain,
            fmt::format("{} uses NSEC3 with {} extra iterations", domain, iterations),
            zone.nsec3param.evidence_lines(),
            fmt::format("Re-sign with 0 iterations and no salt: {}. 0 IN NSEC3PARAM 1 0 0 -",
                        domain)));
        warning = true;
      }
      if (salt != "-" && !salt.empty()) {
        findings.push_back(make_finding(
            "dnssec.nsec3_salt", domain, fmt::format("{} uses an NSEC3 salt ({})", domain, salt),
            zone.nsec3param.evidence_lines(),
            fmt::format("Re-sign with an empty salt: {}. 0 IN NSEC3PARAM 1 0 0 -", domain)));
      }
    }
  }

  // MX hosts: DANE needs each host's addresses to be secure (RFC 7672 §2.2.2).
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : mx.hosts) {
    const dns::Security st = host_state(h);
    hosts.push_back({{"name", h.name},
                     {"state", dns::to_string(st)},
                     {"ipv4", dns::to_string(h.a.security)},
                     {"ipv6", dns::to_string(h.aaaa.security)}});
    rep.facts.push_back(Fact{fmt::format("MX host {}", h.name), std::string(dns::to_string(st))});
    if (st == dns::Security::kBogus) {
      const dns::Answer& bad = h.a.security == dns::Security::kBogus ? h.a : h.aaaa;
      findings.push_back(make_finding(
          "dnssec.mx_host_bogus", h.name,
          fmt::format("the addresses of MX host {} fail DNSSEC validation: {}", h.name,
                      bad.why_bogus.empty() ? "bogus" : bad.why_bogus),
          {bad.describe()},
          fmt::format("Repair DNSSEC for the zone that holds {} (re-sign it, or fix its DS).",
                      h.name)));
      critical = true;
    } else if (st == dns::Security::kIndeterminate) {
      findings.push_back(make_finding(
          "dnssec.indeterminate", h.name,
          fmt::format("the DNSSEC state of MX host {} could not be determined", h.name),
          {h.a.describe(), h.aaaa.describe()},
          fmt::format("Make sure the name servers for {} answer A and AAAA queries.", h.name)));
      undetermined = true;
    } else if (st == dns::Security::kInsecure && domain_state == dns::Security::kSecure) {
      findings.push_back(make_finding(
          "dnssec.mx_host_insecure", h.name,
          fmt::format("{} is signed, but MX host {} is in an unsigned zone", domain, h.name),
          {h.a.describe(), h.aaaa.describe()},
          fmt::format("Use a mail host whose zone is DNSSEC-signed, or ask the provider of {} to "
                      "sign it; until then DANE cannot protect delivery to it.",
                      h.name)));
      warning = true;
    }
  }
  details["hosts"] = std::move(hosts);

  const std::size_t secure_hosts =
      static_cast<std::size_t>(std::count_if(mx.hosts.begin(), mx.hosts.end(), [](const MxHost& h) {
        return host_state(h) == dns::Security::kSecure;
      }));
  if (critical) {
    rep.status = Status::kFail;
    rep.summary = "DNSSEC validation fails (bogus)";
  } else if (undetermined) {
    rep.status = Status::kError;
    rep.summary = "DNSSEC state could not be determined";
  } else if (zone_state == dns::Security::kInsecure) {
    rep.status = Status::kNone;
    rep.summary = "not signed";
  } else if (mx.mx.outcome == dns::Outcome::kNxDomain) {
    // Nothing to protect: the parent proves (securely) that the name does not exist.
    rep.status = Status::kNone;
    rep.summary = "the domain does not exist (secure denial of existence)";
  } else {
    rep.status = warning ? Status::kWarn : Status::kPass;
    std::string alg = algorithms.empty() ? std::string("inside a signed zone")
                                         : algorithm_name(*algorithms.begin());
    rep.summary = mx.hosts.empty() ? fmt::format("signed ({}), MX records secure", alg)
                                   : fmt::format("signed ({}), {} of {} MX host(s) secure", alg,
                                                 secure_hosts, mx.hosts.size());
  }
  rep.details = std::move(details);
  return rep;
}

}  // namespace mc::checks
