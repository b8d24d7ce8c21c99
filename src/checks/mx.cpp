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

MxTally mx_tally(const MxData& data) {
  MxTally t;
  for (const auto& h : data.hosts) {
    const auto v4 = h.ipv4();
    const auto v6 = h.ipv6();
    t.ipv4 += static_cast<int>(v4.size());
    t.ipv6 += static_cast<int>(v6.size());
    if (h.has_address()) ++t.usable;
    if (!v6.empty()) ++t.with_ipv6;
    // A validation failure (bogus) is a determinate answer: senders skip the host. Only a lookup
    // that could not be completed leaves the verdict undetermined.
    const bool bogus =
        h.a.security == dns::Security::kBogus || h.aaaa.security == dns::Security::kBogus;
    if (!h.has_address() && (!h.a.is_answer() || !h.aaaa.is_answer()) && !bogus) {
      ++t.failed_lookups;
    }
  }
  return t;
}

bool is_null_mx(const MxData& data) {
  // RFC 7505 §3: exactly one MX record, preference 0, exchange ".".
  return data.entries.size() == 1 && data.entries[0].exchange == "." &&
         data.entries[0].preference == 0;
}

namespace {

bool mx_lookup_failed(const MxData& data) {
  return data.mx.outcome == dns::Outcome::kServFail || data.mx.outcome == dns::Outcome::kTimeout ||
         data.mx.outcome == dns::Outcome::kError;
}

// ---- rules ----------------------------------------------------------------------------------

// RFC 2181 §10.3 allows the domain itself to be an alias; senders follow it.
void domain_alias(const MxData& data, Evaluation& ev) {
  if (data.mx.cname_chain.empty()) return;
  ev.add("mx.domain_is_alias", data.domain,
         fmt::format("{} is an alias of {}; senders use the MX records of {}", data.domain,
                     data.mx.final_name(), data.mx.final_name()),
         data.mx.evidence_lines());
}

// The MX lookup itself: NXDOMAIN, or an answer that could not be had (bogus is determinate).
void mx_lookup(const MxData& data, Evaluation& ev) {
  const std::string& d = data.domain;
  if (data.mx.outcome == dns::Outcome::kNxDomain) {
    ev.add("mx.nxdomain", d, fmt::format("{} does not exist in the DNS", d), {data.mx.describe()},
           "Check the spelling of the domain; if it is yours, make sure it is registered and "
           "delegated to your DNS servers.");
  } else if (mx_lookup_failed(data)) {
    const bool bogus = data.mx.security == dns::Security::kBogus;
    ev.add("mx.lookup_failed", d,
           bogus
               ? fmt::format("the MX records of {} fail DNSSEC validation", d)
               : fmt::format("the MX lookup for {} failed: {}", d, dns::to_string(data.mx.outcome)),
           {data.mx.describe()},
           bogus ? "Fix the zone's DNSSEC signatures or DS record (see the dnssec findings)."
                 : "Make sure every name server of the domain answers MX queries over UDP and "
                   "TCP.");
  }
}

// RFC 7505 §3: a null MX is one record, preference 0, exchange "."; anything else with "." is not.
void null_mx(const MxData& data, Evaluation& ev) {
  const std::string& d = data.domain;
  if (is_null_mx(data)) {
    ev.add("mx.null_mx", d, fmt::format("{} publishes a null MX: it accepts no mail", d),
           data.mx.evidence_lines(),
           fmt::format("If {} sends no mail either, also publish:\n"
                       "{}. 3600 IN TXT \"v=spf1 -all\"\n"
                       "_dmarc.{}. 3600 IN TXT \"v=DMARC1; p=reject;\"",
                       d, d, d));
    return;
  }
  const auto dots = std::count_if(data.entries.begin(), data.entries.end(),
                                  [](const MxEntry& e) { return e.exchange == "."; });
  if (dots == 0) return;
  for (const auto& e : data.entries) {
    if (e.exchange != "." || e.preference == 0) continue;
    ev.add("mx.null_mx_preference", d,
           fmt::format("MX {} . has preference {}, so it is not a null MX", e.preference,
                       e.preference),
           data.mx.evidence_lines(),
           fmt::format("For a null MX publish exactly: {}. 3600 IN MX 0 .", d));
  }
  if (data.entries.size() > 1) {
    ev.add("mx.null_mx_mixed", d,
           fmt::format("a null MX is published together with {} other MX record(s)",
                       data.entries.size() - static_cast<std::size_t>(dots)),
           data.mx.evidence_lines(),
           fmt::format("Either remove the '{}. MX 0 .' record (if the domain receives mail) or "
                       "remove every other MX record (if it does not).",
                       d));
  }
}

// An exchange must be a host name (RFC 5321 §5.1), not an alias (RFC 2181 §10.3).
void host_name(const MxData& data, const MxHost& h, Evaluation& ev) {
  if (h.ip_literal) {
    ev.add("mx.ip_literal", h.name,
           fmt::format("the MX exchange '{}' is an IP address written as a host name", h.name),
           data.mx.evidence_lines(),
           fmt::format("Give the mail server a host name with an A record and point the MX at it:\n"
                       "mail.{}. 3600 IN A {}\n{}. 3600 IN MX {} mail.{}.",
                       data.domain, h.name, data.domain, h.preferences.front(), data.domain));
  }
  if (h.is_alias()) {
    ev.add("mx.target_cname", h.name,
           fmt::format("MX host {} is an alias of {}", h.name, h.canonical_name()),
           lookup_evidence(h),
           fmt::format("Point the MX record at the canonical name:\n{}. 3600 IN MX {} {}.",
                       data.domain, h.preferences.front(), h.canonical_name()));
  }
}

// Each host's A and AAAA lookups: senders need an address, and a failed lookup defers.
void host_addresses(const MxData& data, const MxHost& h, Evaluation& ev) {
  const bool both_answered = h.a.is_answer() && h.aaaa.is_answer();
  const std::vector<std::string> evidence{h.a.describe(), h.aaaa.describe()};
  if (!h.has_address() && !both_answered) {
    ev.add("mx.target_lookup_failed", h.name,
           fmt::format("the addresses of MX host {} could not be looked up", h.name), evidence,
           fmt::format("Make sure the name servers for {} answer A and AAAA queries and that its "
                       "DNSSEC signatures validate.",
                       h.name));
  } else if (!h.has_address() && !h.ip_literal && !data.implicit) {
    ev.add("mx.target_no_address", h.name,
           fmt::format("MX host {} has no A or AAAA record", h.name), evidence,
           fmt::format("Publish the address of the mail server, e.g. {}. 3600 IN A <IPv4 "
                       "address>, or remove the MX record that names it.",
                       h.name));
  } else if (h.has_address() && !both_answered) {
    // One address family resolved, the other failed: senders may still skip or defer on it.
    ev.add(
        "mx.target_lookup_failed", h.name,
        fmt::format("one address lookup for MX host {} failed", h.name), evidence,
        fmt::format("Make sure the name servers for {} answer both A and AAAA queries.", h.name));
  }
}

void duplicate_host(const MxData& data, const MxHost& h, Evaluation& ev) {
  if (h.preferences.size() <= 1) return;
  std::vector<std::string> prefs;
  for (auto p : h.preferences) prefs.push_back(std::to_string(p));
  ev.add("mx.duplicate_host", h.name,
         fmt::format("MX host {} is listed {} times (preferences {})", h.name, h.preferences.size(),
                     join(prefs, ", ")),
         data.mx.evidence_lines(),
         fmt::format("Keep one record for {} (e.g. {}. 3600 IN MX {} {}.) and remove the others, "
                     "or replace them with a different backup host.",
                     h.name, data.domain, h.preferences.front(), h.name));
}

void too_many_hosts(const MxData& data, Evaluation& ev) {
  if (data.hosts_skipped == 0) return;
  ev.add("mx.too_many_hosts", data.domain,
         fmt::format("{} publishes {} distinct MX hosts; only the {} most preferred were checked",
                     data.domain, data.hosts.size() + data.hosts_skipped, data.hosts.size()),
         {data.mx.describe()},
         "Keep the MX RRset to the few hosts that really receive mail for the domain.");
}

// Equal preferences between different hosts: information (RFC 5321 §5.1 randomisation).
void equal_preference(const MxData& data, Evaluation& ev) {
  std::map<std::uint16_t, std::set<std::string>> by_pref;
  for (const auto& e : data.entries) {
    if (e.exchange != ".") by_pref[e.preference].insert(e.exchange);
  }
  for (const auto& [pref, names] : by_pref) {
    if (names.size() <= 1) continue;
    ev.add("mx.equal_preference", data.domain,
           fmt::format("{} MX hosts share preference {}: {}", names.size(), pref,
                       join(std::vector<std::string>(names.begin(), names.end()), ", ")));
  }
}

// RFC 5321 §5.1: no MX records -> the domain's own address; none at all -> no delivery.
void implicit_mx(const MxData& data, Evaluation& ev) {
  if (!data.implicit || data.hosts.empty()) return;
  const std::string& d = data.domain;
  const auto& h = data.hosts.front();
  if (h.has_address()) {
    ev.add("mx.implicit", d,
           fmt::format("{} has no MX records; senders deliver to its own addresses", d),
           lookup_evidence(h),
           fmt::format("Publish an MX record naming the host that receives mail, e.g.\n"
                       "{}. 3600 IN MX 10 {}.\nor, if the domain receives no mail, a null MX:\n"
                       "{}. 3600 IN MX 0 .",
                       d, h.name, d));
  } else if (h.a.is_answer() && h.aaaa.is_answer()) {
    ev.add("mx.no_mail_host", d,
           fmt::format("{} has no MX records and no addresses: mail cannot be delivered", d),
           {data.mx.describe(), h.a.describe(), h.aaaa.describe()},
           fmt::format("Publish an MX record for the host that receives mail, e.g.\n"
                       "{}. 3600 IN MX 10 mail.{}.\nor, if the domain receives no mail:\n"
                       "{}. 3600 IN MX 0 .",
                       d, d, d));
  }
}

void no_usable_host(const MxData& data, const MxTally& t, Evaluation& ev) {
  if (data.implicit || data.hosts.empty() || t.usable > 0) return;
  ev.add("mx.no_usable_host", data.domain,
         fmt::format("none of the {} MX host(s) of {} has a usable address", data.hosts.size(),
                     data.domain),
         data.mx.evidence_lines(),
         "Publish A/AAAA records for the mail servers, or point the MX records at hosts that "
         "have them.");
}

void no_ipv6(const MxData& data, const MxTally& t, Evaluation& ev) {
  if (t.usable == 0 || t.with_ipv6 > 0) return;
  ev.add("mx.no_ipv6", data.domain,
         fmt::format("no MX host of {} has an IPv6 address", data.domain), {},
         "Give at least one mail server an IPv6 address and publish its AAAA record.");
}

// undetermined - some answer the verdict needs could not be obtained (bogus is an answer).
bool undetermined(const MxData& data, const MxTally& t) {
  if (mx_lookup_failed(data) && data.mx.security != dns::Security::kBogus) return true;
  if (data.implicit && !data.hosts.empty()) {
    const auto& h = data.hosts.front();
    return !h.has_address() && !(h.a.is_answer() && h.aaaa.is_answer());
  }
  return !data.hosts.empty() && t.usable == 0 && t.failed_lookups > 0;
}

bool has_critical(const Evaluation& ev) {
  return status_from(ev.findings, AreaState::kEvaluated) == Status::kFail;
}

std::string summary(const MxData& data, const MxTally& t) {
  std::string s;
  if (data.mx.outcome == dns::Outcome::kNxDomain) {
    s = "the domain does not exist (NXDOMAIN)";
  } else if (mx_lookup_failed(data)) {
    s = data.mx.security == dns::Security::kBogus
            ? "MX lookup fails DNSSEC validation (bogus)"
            : fmt::format("MX lookup failed ({})", dns::to_string(data.mx.outcome));
  }
  if (is_null_mx(data)) s = "null MX: the domain accepts no mail (RFC 7505)";
  const bool has_hosts = !data.hosts.empty();
  if (data.implicit && has_hosts) {
    const auto& h = data.hosts.front();
    s = h.has_address() ? fmt::format("no MX records: implicit MX to {}", h.name)
        : h.a.is_answer() && h.aaaa.is_answer()
            ? "no MX records and no addresses: mail cannot be delivered"
            : "no MX records, and the domain's addresses could not be looked up";
  } else if (has_hosts && t.usable == 0) {
    s = "no MX host has a usable address";
  } else if (has_hosts && s.empty()) {
    const auto n = data.hosts.size();
    s = fmt::format(
        "{} MX host{}, {} with addresses (IPv4 {}, IPv6 {})", n, n == 1 ? "" : "s",
        t.usable == static_cast<int>(n) ? std::string("all") : fmt::format("{}", t.usable), t.ipv4,
        t.ipv6);
  }
  return s.empty() ? "MX records published" : s;
}

nlohmann::json host_json(const MxHost& h) {
  return {{"name", h.name},
          {"preferences", h.preferences},
          {"ipv4", h.ipv4()},
          {"ipv6", h.ipv6()},
          {"alias_of", h.is_alias() ? nlohmann::json(h.canonical_name()) : nlohmann::json(nullptr)},
          {"ip_literal", h.ip_literal},
          {"usable", h.has_address()},
          {"a_lookup", dns::to_json(h.a)},
          {"aaaa_lookup", dns::to_json(h.aaaa)}};
}

}  // namespace

Evaluation evaluate_mx(const MxData& data) {
  Evaluation ev;
  const MxTally t = mx_tally(data);
  domain_alias(data, ev);
  mx_lookup(data, ev);
  null_mx(data, ev);
  for (const auto& h : data.hosts) {
    host_name(data, h, ev);
    host_addresses(data, h, ev);
    duplicate_host(data, h, ev);
  }
  too_many_hosts(data, ev);
  equal_preference(data, ev);
  implicit_mx(data, ev);
  no_usable_host(data, t, ev);
  no_ipv6(data, t, ev);
  // A verdict that rests on an answer we could not get is an error, not a failure. A correct
  // null MX passes: it is a deliberate configuration.
  if (undetermined(data, t) && (has_critical(ev) || t.usable == 0)) {
    ev.state = AreaState::kUndetermined;
  }
  return ev;
}

AreaView mx_view(const MxData& data, const Evaluation&) {
  AreaView v;
  const MxTally t = mx_tally(data);
  v.summary = summary(data, t);
  v.details["lookup"] = dns::to_json(data.mx);
  v.details["implicit"] = data.implicit;
  v.details["null_mx"] = is_null_mx(data);
  v.details["records"] = nlohmann::json::array();
  for (const auto& e : data.entries) {
    v.details["records"].push_back({{"preference", e.preference}, {"exchange", e.exchange}});
  }
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : data.hosts) {
    hosts.push_back(host_json(h));
    std::vector<std::string> addrs = h.ipv4();
    const auto v6 = h.ipv6();
    addrs.insert(addrs.end(), v6.begin(), v6.end());
    v.facts.push_back({data.implicit ? fmt::format("(implicit) {}", h.name)
                                     : fmt::format("{} {}", h.preferences.front(), h.name),
                       addrs.empty() ? std::string("no address") : join(addrs, ", ")});
  }
  v.details["hosts"] = std::move(hosts);
  v.details["hosts_skipped"] = data.hosts_skipped;
  return v;
}

AreaReport mx_report(const MxData& data) {
  const Evaluation ev = evaluate_mx(data);
  return area_report(Area::kMx, ev, mx_view(data, ev), data.elapsed_ms);
}

}  // namespace mc::checks
