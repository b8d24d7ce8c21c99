// mx.cpp - the mx check; see mx.hpp.
#include "checks/mx.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/clock.hpp"
#include "core/findings.hpp"
#include "core/parallel.hpp"

namespace asio = boost::asio;

namespace mc::checks {
namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

asio::awaitable<MxHost> resolve_host(dns::Resolver& resolver, MxHost host) {
  std::vector<asio::awaitable<dns::Answer>> lookups;
  lookups.push_back(resolver.query(host.name, dns::rrtype::kA));
  lookups.push_back(resolver.query(host.name, dns::rrtype::kAaaa));
  auto answers = co_await when_all(std::move(lookups));
  host.a = std::move(answers[0]);
  host.aaaa = std::move(answers[1]);
  co_return host;
}

namespace {

// lookup_evidence - both address answers; a CNAME both of them followed is shown once.
std::vector<std::string> lookup_evidence(const MxHost& h) {
  std::vector<std::string> ev;
  for (const auto* a : {&h.a, &h.aaaa}) {
    for (auto& line : a->evidence_lines()) {
      if (std::find(ev.begin(), ev.end(), line) == ev.end()) ev.push_back(std::move(line));
    }
  }
  return ev;
}

}  // namespace

std::vector<std::string> MxHost::ipv4() const { return a.addresses(); }
std::vector<std::string> MxHost::ipv6() const { return aaaa.addresses(); }

std::string MxHost::canonical_name() const {
  if (!a.cname_chain.empty()) return a.final_name();
  if (!aaaa.cname_chain.empty()) return aaaa.final_name();
  return name;
}

void derive_mx_entries(MxData& data) {
  data.entries.clear();
  data.hosts.clear();
  data.hosts_skipped = 0;
  for (const auto& r : data.mx.records) {
    const dns::MxRdata* mx = r.mx();
    if (mx == nullptr) continue;  // RDATA that did not decode: drop the record, keep going
    data.entries.push_back(MxEntry{mx->preference, mx->exchange});
  }
  std::stable_sort(data.entries.begin(), data.entries.end(),
                   [](const MxEntry& x, const MxEntry& y) { return x.preference < y.preference; });
  for (const auto& e : data.entries) {
    if (e.exchange == ".") continue;
    auto it = std::find_if(data.hosts.begin(), data.hosts.end(),
                           [&](const MxHost& h) { return h.name == e.exchange; });
    if (it == data.hosts.end()) {
      // The MX RRset is outside data: bound the work it can cause (each host costs two lookups,
      // later a TLSA lookup and SMTP probes). The most preferred hosts come first.
      if (data.hosts.size() >= kMaxMxHosts) {
        ++data.hosts_skipped;
        continue;
      }
      MxHost h;
      h.name = e.exchange;
      h.ip_literal = looks_like_ip_address(e.exchange);
      h.preferences.push_back(e.preference);
      data.hosts.push_back(std::move(h));
    } else {
      it->preferences.push_back(e.preference);
    }
  }
}

asio::awaitable<MxData> collect_mx(dns::Resolver& resolver, const DomainName& domain,
                                   std::chrono::steady_clock::time_point audit_start) {
  MxData data;
  data.domain = domain.str();
  data.mx = co_await resolver.query(domain.str(), dns::rrtype::kMx);
  if (data.mx.outcome == dns::Outcome::kData) {
    derive_mx_entries(data);
  } else if (data.mx.outcome == dns::Outcome::kNoData) {
    // RFC 5321 §5.1: no MX records -> the domain itself is the implicit MX, preference 0.
    data.implicit = true;
    MxHost h;
    h.name = data.mx.final_name();
    h.preferences.push_back(0);
    data.hosts.push_back(std::move(h));
  }
  std::vector<asio::awaitable<MxHost>> lookups;
  for (auto& h : data.hosts) lookups.push_back(resolve_host(resolver, std::move(h)));
  data.hosts = co_await when_all(std::move(lookups));
  data.elapsed_ms = elapsed_ms(audit_start);
  co_return data;
}

AreaReport evaluate_mx(const MxData& data) {
  AreaReport rep;
  rep.area = Area::kMx;
  rep.elapsed_ms = data.elapsed_ms;
  const std::string& domain = data.domain;
  auto& findings = rep.findings;
  bool undetermined = false;  // some needed answer could not be obtained

  nlohmann::json details;
  details["lookup"] = dns::to_json(data.mx);
  details["implicit"] = data.implicit;
  details["null_mx"] = false;
  details["records"] = nlohmann::json::array();
  for (const auto& e : data.entries) {
    details["records"].push_back({{"preference", e.preference}, {"exchange", e.exchange}});
  }

  if (!data.mx.cname_chain.empty()) {
    findings.push_back(
        make_finding("mx.domain_is_alias", domain,
                     fmt::format("{} is an alias of {}; senders use the MX records of {}", domain,
                                 data.mx.final_name(), data.mx.final_name()),
                     data.mx.evidence_lines()));
  }

  switch (data.mx.outcome) {
    case dns::Outcome::kNxDomain:
      findings.push_back(make_finding(
          "mx.nxdomain", domain, fmt::format("{} does not exist in the DNS", domain),
          {data.mx.describe()},
          fmt::format("Check the spelling of the domain; if it is yours, make sure it is "
                      "registered and delegated to your DNS servers.")));
      rep.summary = "the domain does not exist (NXDOMAIN)";
      break;
    case dns::Outcome::kServFail:
    case dns::Outcome::kTimeout:
    case dns::Outcome::kError: {
      const bool bogus = data.mx.security == dns::Security::kBogus;
      if (!bogus) undetermined = true;
      findings.push_back(make_finding(
          "mx.lookup_failed", domain,
          bogus ? fmt::format("the MX records of {} fail DNSSEC validation", domain)
                : fmt::format("the MX lookup for {} failed: {}", domain,
                              dns::to_string(data.mx.outcome)),
          {data.mx.describe()},
          bogus
              ? "Fix the zone's DNSSEC signatures or DS record (see the dnssec findings)."
              : "Make sure every name server of the domain answers MX queries over UDP and TCP."));
      rep.summary = bogus ? "MX lookup fails DNSSEC validation (bogus)"
                          : fmt::format("MX lookup failed ({})", dns::to_string(data.mx.outcome));
      break;
    }
    case dns::Outcome::kNoData:
    case dns::Outcome::kData:
      break;
  }

  // Null MX (RFC 7505 §3): exactly one MX record, preference 0, exchange ".".
  const auto null_entries = std::count_if(data.entries.begin(), data.entries.end(),
                                          [](const MxEntry& e) { return e.exchange == "."; });
  const bool null_mx =
      data.entries.size() == 1 && null_entries == 1 && data.entries[0].preference == 0;
  if (null_mx) {
    details["null_mx"] = true;
    findings.push_back(make_finding(
        "mx.null_mx", domain, fmt::format("{} publishes a null MX: it accepts no mail", domain),
        data.mx.evidence_lines(),
        fmt::format("If {} sends no mail either, also publish:\n"
                    "{}. 3600 IN TXT \"v=spf1 -all\"\n"
                    "_dmarc.{}. 3600 IN TXT \"v=DMARC1; p=reject;\"",
                    domain, domain, domain)));
    rep.summary = "null MX: the domain accepts no mail (RFC 7505)";
  } else if (null_entries > 0) {
    for (const auto& e : data.entries) {
      if (e.exchange == "." && e.preference != 0) {
        findings.push_back(
            make_finding("mx.null_mx_preference", domain,
                         fmt::format("MX {} . has preference {}, so it is not a null MX",
                                     e.preference, e.preference),
                         data.mx.evidence_lines(),
                         fmt::format("For a null MX publish exactly: {}. 3600 IN MX 0 .", domain)));
      }
    }
    if (data.entries.size() > 1) {
      findings.push_back(make_finding(
          "mx.null_mx_mixed", domain,
          fmt::format("a null MX is published together with {} other MX record(s)",
                      data.entries.size() - static_cast<std::size_t>(null_entries)),
          data.mx.evidence_lines(),
          fmt::format("Either remove the '{}. MX 0 .' record (if the domain receives mail) or "
                      "remove every other MX record (if it does not).",
                      domain)));
    }
  }

  // Hosts: addresses, aliases, literals, duplicates.
  nlohmann::json hosts_json = nlohmann::json::array();
  int usable = 0;
  int failed_lookups = 0;
  int with_v6 = 0;
  int v4_count = 0;
  int v6_count = 0;
  for (const auto& h : data.hosts) {
    const auto v4 = h.ipv4();
    const auto v6 = h.ipv6();
    v4_count += static_cast<int>(v4.size());
    v6_count += static_cast<int>(v6.size());
    if (h.has_address()) ++usable;
    if (!v6.empty()) ++with_v6;
    nlohmann::json hj;
    hj["name"] = h.name;
    hj["preferences"] = h.preferences;
    hj["ipv4"] = v4;
    hj["ipv6"] = v6;
    hj["alias_of"] = h.is_alias() ? nlohmann::json(h.canonical_name()) : nlohmann::json(nullptr);
    hj["ip_literal"] = h.ip_literal;
    hj["usable"] = h.has_address();
    hj["a_lookup"] = dns::to_json(h.a);
    hj["aaaa_lookup"] = dns::to_json(h.aaaa);
    hosts_json.push_back(std::move(hj));

    std::string label = data.implicit ? fmt::format("(implicit) {}", h.name)
                                      : fmt::format("{} {}", h.preferences.front(), h.name);
    std::vector<std::string> addrs = v4;
    addrs.insert(addrs.end(), v6.begin(), v6.end());
    rep.facts.push_back(Fact{label, addrs.empty() ? std::string("no address") : join(addrs, ", ")});

    if (h.ip_literal) {
      findings.push_back(make_finding(
          "mx.ip_literal", h.name,
          fmt::format("the MX exchange '{}' is an IP address written as a host name", h.name),
          data.mx.evidence_lines(),
          fmt::format("Give the mail server a host name with an A record and point the MX at it:\n"
                      "mail.{}. 3600 IN A {}\n{}. 3600 IN MX {} mail.{}.",
                      domain, h.name, domain, h.preferences.front(), domain)));
    }
    if (h.is_alias()) {
      findings.push_back(make_finding(
          "mx.target_cname", h.name,
          fmt::format("MX host {} is an alias of {}", h.name, h.canonical_name()),
          lookup_evidence(h),
          fmt::format("Point the MX record at the canonical name:\n{}. 3600 IN MX {} {}.", domain,
                      h.preferences.front(), h.canonical_name())));
    }
    if (!h.has_address()) {
      if (!h.a.is_answer() || !h.aaaa.is_answer()) {
        // A validation failure (bogus) is a determinate answer: senders skip the host. Only a
        // lookup that could not be completed leaves the verdict undetermined.
        const bool bogus =
            h.a.security == dns::Security::kBogus || h.aaaa.security == dns::Security::kBogus;
        if (!bogus) ++failed_lookups;
        findings.push_back(make_finding(
            "mx.target_lookup_failed", h.name,
            fmt::format("the addresses of MX host {} could not be looked up", h.name),
            {h.a.describe(), h.aaaa.describe()},
            fmt::format("Make sure the name servers for {} answer A and AAAA queries and that "
                        "its DNSSEC signatures validate.",
                        h.name)));
      } else if (!h.ip_literal && !data.implicit) {
        findings.push_back(make_finding(
            "mx.target_no_address", h.name,
            fmt::format("MX host {} has no A or AAAA record", h.name),
            {h.a.describe(), h.aaaa.describe()},
            fmt::format("Publish the address of the mail server, e.g. {}. 3600 IN A <IPv4 "
                        "address>, or remove the MX record that names it.",
                        h.name)));
      }
    } else if (!h.a.is_answer() || !h.aaaa.is_answer()) {
      // One address family resolved, the other failed: senders may still skip or defer on it.
      findings.push_back(make_finding(
          "mx.target_lookup_failed", h.name,
          fmt::format("one address lookup for MX host {} failed", h.name),
          {h.a.describe(), h.aaaa.describe()},
          fmt::format("Make sure the name servers for {} answer both A and AAAA queries.",
                      h.name)));
    }
    if (h.preferences.size() > 1) {
      std::vector<std::string> prefs;
      for (auto p : h.preferences) prefs.push_back(std::to_string(p));
      findings.push_back(make_finding(
          "mx.duplicate_host", h.name,
          fmt::format("MX host {} is listed {} times (preferences {})", h.name,
                      h.preferences.size(), join(prefs, ", ")),
          data.mx.evidence_lines(),
          fmt::format("Keep one record for {} (e.g. {}. 3600 IN MX {} {}.) and remove the others, "
                      "or replace them with a different backup host.",
                      h.name, domain, h.preferences.front(), h.name)));
    }
  }
  details["hosts"] = std::move(hosts_json);
  details["hosts_skipped"] = data.hosts_skipped;
  if (data.hosts_skipped > 0) {
    findings.push_back(make_finding(
        "mx.too_many_hosts", domain,
        fmt::format("{} publishes {} distinct MX hosts; only the {} most preferred were checked",
                    domain, data.hosts.size() + data.hosts_skipped, data.hosts.size()),
        {data.mx.describe()},
        "Keep the MX RRset to the few hosts that really receive mail for the domain."));
  }

  // Equal preferences between different hosts: informational (RFC 5321 §5.1 randomisation).
  std::map<std::uint16_t, std::set<std::string>> by_pref;
  for (const auto& e : data.entries) {
    if (e.exchange != ".") by_pref[e.preference].insert(e.exchange);
  }
  for (const auto& [pref, names] : by_pref) {
    if (names.size() > 1) {
      findings.push_back(make_finding(
          "mx.equal_preference", domain,
          fmt::format("{} MX hosts share preference {}: {}", names.size(), pref,
                      join(std::vector<std::string>(names.begin(), names.end()), ", "))));
    }
  }

  const bool has_hosts = !data.hosts.empty();
  if (data.implicit && has_hosts) {
    const auto& h = data.hosts.front();
    if (h.has_address()) {
      findings.push_back(make_finding(
          "mx.implicit", domain,
          fmt::format("{} has no MX records; senders deliver to its own addresses", domain),
          lookup_evidence(h),
          fmt::format("Publish an MX record naming the host that receives mail, e.g.\n"
                      "{}. 3600 IN MX 10 {}.\nor, if the domain receives no mail, a null MX:\n"
                      "{}. 3600 IN MX 0 .",
                      domain, h.name, domain)));
      rep.summary = fmt::format("no MX records: implicit MX to {}", h.name);
    } else if (h.a.is_answer() && h.aaaa.is_answer()) {
      findings.push_back(make_finding(
          "mx.no_mail_host", domain,
          fmt::format("{} has no MX records and no addresses: mail cannot be delivered", domain),
          {data.mx.describe(), h.a.describe(), h.aaaa.describe()},
          fmt::format("Publish an MX record for the host that receives mail, e.g.\n"
                      "{}. 3600 IN MX 10 mail.{}.\nor, if the domain receives no mail:\n"
                      "{}. 3600 IN MX 0 .",
                      domain, domain, domain)));
      rep.summary = "no MX records and no addresses: mail cannot be delivered";
    } else {
      undetermined = true;
      rep.summary = "no MX records, and the domain's addresses could not be looked up";
    }
  } else if (!data.implicit && has_hosts && usable == 0) {
    if (failed_lookups > 0) undetermined = true;
    findings.push_back(make_finding(
        "mx.no_usable_host", domain,
        fmt::format("none of the {} MX host(s) of {} has a usable address", data.hosts.size(),
                    domain),
        data.mx.evidence_lines(),
        "Publish A/AAAA records for the mail servers, or point the MX records at hosts that "
        "have them."));
    rep.summary = "no MX host has a usable address";
  } else if (!data.implicit && has_hosts && rep.summary.empty()) {
    rep.summary =
        fmt::format("{} MX host{}, {} with addresses (IPv4 {}, IPv6 {})", data.hosts.size(),
                    data.hosts.size() == 1 ? "" : "s",
                    usable == static_cast<int>(data.hosts.size()) ? std::string("all")
                                                                  : fmt::format("{}", usable),
                    v4_count, v6_count);
  }
  if (usable > 0 && with_v6 == 0) {
    findings.push_back(make_finding(
        "mx.no_ipv6", domain, fmt::format("no MX host of {} has an IPv6 address", domain), {},
        "Give at least one mail server an IPv6 address and publish its AAAA record."));
  }
  if (rep.summary.empty()) rep.summary = "MX records published";

  // Status: critical -> fail (or error when it rests on an answer we could not get),
  // warning -> warn, otherwise pass. A correct null MX passes: it is a deliberate configuration.
  bool critical = false;
  bool warning = false;
  for (const auto& f : findings) {
    const auto sev = finding_def(f.id).severity;
    critical |= sev == Severity::kCritical;
    warning |= sev == Severity::kWarning;
  }
  if (undetermined && (critical || usable == 0)) {
    rep.status = Status::kError;
  } else if (critical) {
    rep.status = Status::kFail;
  } else if (warning) {
    rep.status = Status::kWarn;
  } else {
    rep.status = Status::kPass;
  }
  rep.details = std::move(details);
  return rep;
}

}  // namespace mc::checks
