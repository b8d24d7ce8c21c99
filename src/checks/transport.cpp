// transport.cpp - see transport.hpp.
#include "checks/transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/address_class.hpp"
#include "core/clock.hpp"
#include "core/parallel.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace mc::checks {
namespace {

std::string tlsa_name(std::uint16_t port, const std::string& base) {
  // RFC 6698 §3: decimal port without leading zeros, then the protocol label.
  return fmt::format("_{}._tcp.{}", port, base);
}

bool addresses_secure(const MxHost& h) {
  // Every address answer must be secure; denials count too (RFC 7672 §2.2.2). A family whose
  // lookup failed is left out only when the other has secure data (host_lookup_failure).
  int answered = 0;
  for (const auto* a : {&h.a, &h.aaaa}) {
    if (!a->is_answer()) continue;
    if (a->security != dns::Security::kSecure) return false;
    ++answered;
  }
  return answered > 0;
}

}  // namespace

std::string_view to_string(TlsaState s) {
  switch (s) {
    case TlsaState::kUsable:
      return "usable";
    case TlsaState::kAllUnusable:
      return "all_unusable";
    case TlsaState::kInsecure:
      return "insecure";
    case TlsaState::kAbsent:
      return "absent";
    case TlsaState::kFailed:
      return "failed";
    case TlsaState::kHostFailed:
      return "host_lookup_failed";
    case TlsaState::kNotApplicable:
      return "not_applicable";
  }
  return "failed";
}

std::vector<TlsaEntry> TlsaSearch::usable_entries() const {
  std::vector<TlsaEntry> out;
  for (const auto& e : entries) {
    if (e.usable()) out.push_back(e);
  }
  return out;
}

std::vector<TlsaEntry> classify_tlsa(const dns::Answer& answer) {
  std::vector<TlsaEntry> out;
  for (const auto& r : answer.records) {
    TlsaEntry e;
    e.text = r.rdata_text();
    const dns::TlsaRdata* tlsa = r.tlsa();
    if (tlsa == nullptr) {
      e.problem = "the record does not have four fields";
      e.usability = policy::TlsaUsability::kUnknownUsage;
      out.push_back(std::move(e));
      continue;
    }
    policy::TlsaRecord record{tlsa->usage, tlsa->selector, tlsa->matching_type, tlsa->data};
    e.usability = policy::smtp_usability(record);
    if (e.usability != policy::TlsaUsability::kUsable) e.problem = to_string(e.usability);
    e.record = std::move(record);
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

// host_lookup_failure - why the host's address lookup failed for a validating sender (a lookup
// error, or bogus data, on the way through any CNAME), or empty when it did not.
std::string host_lookup_failure(const MxHost& host) {
  auto bad = [](const dns::Answer& a) {
    return !a.is_answer() || a.security == dns::Security::kBogus;
  };
  // A bogus answer always fails the host. A failed lookup of one family is tolerated only when
  // the other has secure data to deliver to; otherwise the failure could hide a secure answer,
  // and reading it as "insecure" or "no address" would be a downgrade (RFC 7672 §2.1.1).
  auto secure_data = [](const dns::Answer& a) {
    return a.has_data() && a.security == dns::Security::kSecure;
  };
  const bool any_bogus =
      host.a.security == dns::Security::kBogus || host.aaaa.security == dns::Security::kBogus;
  const bool tolerated = (host.a.is_answer() || secure_data(host.aaaa)) &&
                         (host.aaaa.is_answer() || secure_data(host.a));
  if (!any_bogus && tolerated) return {};
  const dns::Answer& w = bad(host.a) ? host.a : host.aaaa;
  return fmt::format("the {} lookup of {} failed ({})", dns::type_name(w.qtype), host.name,
                     w.security == dns::Security::kBogus && !w.why_bogus.empty()
                         ? "bogus: " + w.why_bogus
                         : w.describe());
}

}  // namespace

asio::awaitable<TlsaSearch> tlsa_search(dns::Resolver& resolver, const MxHost& host, bool mx_secure,
                                        std::uint16_t port) {
  TlsaSearch s;
  s.port = port;
  // What a DANE sender does (RFC 7672 §2.1.2, §2.2.1-2.2.3), in order.
  std::vector<std::string> candidates;
  s.insecure_mx = !mx_secure;
  if (const std::string failed = host_lookup_failure(host); !failed.empty()) {
    // RFC 7672 §2.1.2: a host whose addresses cannot be securely resolved is unusable; the
    // sender tries the next MX host or defers. It never delivers "without DANE" instead.
    s.state = TlsaState::kHostFailed;
    s.reason = failed;
  } else if (!host.has_address()) {
    s.state = TlsaState::kNotApplicable;
    s.reason = "the host has no usable address";
  } else if (addresses_secure(host)) {
    // Secure addresses, and (for an alias) a secure chain: the expanded name first, then the
    // original (§2.2.2); names in the middle of a chain are never candidates (§2.2.3).
    if (host.is_alias()) candidates.push_back(host.canonical_name());
    candidates.push_back(host.name);
  } else if (host.is_alias()) {
    // Insecure final addresses: only a secure first CNAME lets the original name be tried.
    auto cname = co_await resolver.query(host.name, dns::rrtype::kCname);
    if (cname.security == dns::Security::kSecure && cname.has_data()) {
      candidates.push_back(host.name);
    } else {
      s.state = TlsaState::kNotApplicable;
      s.reason = "the host's CNAME is not DNSSEC-secure";
    }
  } else {
    s.state = TlsaState::kNotApplicable;
    s.reason =
        "the host's addresses are not DNSSEC-secure, so a DANE sender does not look "
        "up TLSA (RFC 7672 §2.2.2)";
  }

  bool saw_insecure = false;
  for (const auto& c : candidates) {
    s.candidates.push_back(c);
    auto answer = co_await resolver.query(tlsa_name(port, c), dns::rrtype::kTlsa);
    if (!answer.is_answer()) {
      // (d): SERVFAIL, timeout, bogus: the host counts as unreachable (RFC 7672 §2.2).
      s.state = TlsaState::kFailed;
      s.reason = answer.describe();
      s.base_domain = c;
      s.answer = std::move(answer);
      co_return s;
    }
    if (answer.security == dns::Security::kSecure && answer.has_data()) {
      s.base_domain = c;
      s.entries = classify_tlsa(answer);
      const bool any_usable = std::any_of(s.entries.begin(), s.entries.end(),
                                          [](const TlsaEntry& e) { return e.usable(); });
      s.state = any_usable ? TlsaState::kUsable : TlsaState::kAllUnusable;
      s.answer = std::move(answer);
      co_return s;
    }
    if (answer.has_data()) {
      saw_insecure = true;
      s.entries = classify_tlsa(answer);
    }
    s.answer = std::move(answer);  // a denial or insecure data: try the next candidate
  }
  if (!candidates.empty()) {
    s.state = saw_insecure ? TlsaState::kInsecure : TlsaState::kAbsent;
    s.reason = saw_insecure ? "TLSA records exist but are not DNSSEC-secure"
                            : "no TLSA records (denial of existence)";
    co_return s;
  }
  // The sender would not look; the audit looks anyway, to report unprotected records.
  if (host.has_address()) {
    auto answer = co_await resolver.query(tlsa_name(port, host.name), dns::rrtype::kTlsa);
    if (answer.has_data()) {
      s.entries = classify_tlsa(answer);
      s.unprotected_answer = std::move(answer);
    }
  }
  co_return s;
}

// blocked_probe - what the SSRF guard records instead of connecting to an address that is not
// public: a connect failure of kind "blocked" (the starttls check reports it as such).
asio::awaitable<net::ProbeResult> blocked_probe(net::ProbeTarget target) {
  net::ProbeResult r;
  r.failure =
      net::ProbeFailure{net::ProbeStep::kConnect, "blocked",
                        fmt::format("{} is a {} address, not a public one; not connected",
                                    target.address, to_string(classify_address(target.address)))};
  r.target = std::move(target);
  co_return r;
}

// probe_plan - which addresses of each MX host are probed: each host's distinct addresses, at
// most kProbesPerFamily IPv4 and as many IPv6, and kProbesPerAudit in all, in MX order. A
// hostile zone can give a host thousands of addresses; one audit must not become thousands of
// connections (nor a port-25 flood aimed at whatever those addresses are).
std::vector<std::vector<std::string>> probe_plan(const MxData& mx,
                                                 std::vector<std::vector<std::string>>& skipped) {
  std::vector<std::vector<std::string>> plan(mx.hosts.size());
  skipped.assign(mx.hosts.size(), {});
  std::size_t budget = kProbesPerAudit;
  for (std::size_t i = 0; i < mx.hosts.size(); ++i) {
    std::set<std::string> seen;
    for (const auto& family : {mx.hosts[i].ipv4(), mx.hosts[i].ipv6()}) {
      std::size_t taken = 0;
      for (const auto& addr : family) {
        if (!seen.insert(addr).second) continue;
        if (taken < kProbesPerFamily && budget > 0) {
          plan[i].push_back(addr);
          ++taken;
          --budget;
        } else {
          skipped[i].push_back(addr);
        }
      }
    }
  }
  return plan;
}

asio::awaitable<std::vector<net::ProbeResult>> probe_host(const MxHost& host,
                                                          const TlsaSearch& tlsa,
                                                          std::vector<std::string> addresses,
                                                          const TransportOptions& options) {
  std::vector<policy::TlsaRecord> usable;
  if (tlsa.state == TlsaState::kUsable) {
    for (const auto& e : tlsa.entries) {
      if (e.usable()) usable.push_back(*e.record);
    }
  }
  std::vector<std::string> extra_names;
  // RFC 7672 §3.2.2: with a CNAME-expanded base domain, DANE-TA name checks accept both names;
  // after a secure MX lookup the recipient domain too. After an insecure one, only the MX host.
  if (!tlsa.base_domain.empty() && tlsa.base_domain != host.name) {
    extra_names.push_back(tlsa.base_domain);
  }
  if (!tlsa.insecure_mx && !options.recipient_domain.empty() &&
      options.recipient_domain != host.name) {
    extra_names.push_back(options.recipient_domain);
  }
  std::vector<asio::awaitable<net::ProbeResult>> probes;
  for (const auto& addr : addresses) {
    net::ProbeTarget t;
    t.host = host.name;
    t.address = addr;
    t.port = options.port;
    t.mode = options.mode;
    t.ehlo_name = options.ehlo_name;
    t.tlsa = usable;
    t.extra_names = extra_names;
    if (options.public_only && !is_public(addr)) {
      probes.push_back(blocked_probe(std::move(t)));
      continue;
    }
    net::SmtpTimeouts to = options.timeouts;
    to.overall = options.deadline;  // every step ends by the audit's deadline
    probes.push_back(options.prober ? options.prober(std::move(t), to)
                                    : net::probe_smtp(std::move(t), to));
  }
  co_return co_await when_all(std::move(probes));
}

asio::awaitable<TransportData> collect_transport(dns::Resolver& resolver, const MxData& mx,
                                                 TransportOptions options,
                                                 Clock::time_point start) {
  TransportData data;
  data.mx_lookup = options.mx_lookup;
  data.mx_secure = !options.mx_lookup || mx.mx.security == dns::Security::kSecure;
  if (options.mx_lookup) options.recipient_domain = mx.domain;
  const bool mx_secure = data.mx_secure;
  std::vector<std::vector<std::string>> skipped;
  const auto plan = probe_plan(mx, skipped);
  auto one = [&](std::size_t i) -> asio::awaitable<HostTransport> {
    const MxHost& h = mx.hosts[i];
    HostTransport t;
    t.host = h.name;
    t.skipped_addresses = skipped[i];
    t.tlsa = co_await tlsa_search(resolver, h, mx_secure, options.port);
    // Probed even after a failed TLSA lookup (a DANE sender would defer without connecting):
    // senders without DANE still connect, and the starttls check reports what they get.
    t.probes = co_await probe_host(h, t.tlsa, plan[i], options);
    co_return t;
  };
  std::vector<asio::awaitable<HostTransport>> tasks;
  for (std::size_t i = 0; i < mx.hosts.size(); ++i) tasks.push_back(one(i));
  data.hosts = co_await when_all(std::move(tasks));
  data.elapsed_ms = elapsed_ms(start);
  co_return data;
}

}  // namespace mc::checks
