// transport.hpp - what a DANE-aware sending MTA learns about each MX host: its TLSA records
// (found as RFC 7672 §2.2 prescribes) and what every address says over SMTP and TLS.
//
// collect_transport(resolver, mx, options): for every MX host at once, works out the TLSA base
//   domain and looks up `_25._tcp.<base>` TLSA, then probes every address of the host with the
//   usable records handed to OpenSSL's DANE verifier. Shared by the dane and starttls checks, so
//   each address is connected to once.
// classify_tlsa(answer): PURE: the records of a TLSA answer with their usability.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "net/smtp_probe.hpp"
#include "policy/tlsa.hpp"

namespace mc::checks {

struct TlsaEntry {
  std::string text;                          // as published (presentation form)
  std::optional<policy::TlsaRecord> record;  // nullopt: the fields did not parse
  policy::TlsaUsability usability = policy::TlsaUsability::kUsable;
  std::string problem;  // why it is unusable
  bool usable() const { return record && usability == policy::TlsaUsability::kUsable; }
};

// RFC 7672 §2.2 outcomes of the TLSA search for one host.
enum class TlsaState {
  kUsable,         // (a) secure, at least one usable record: TLS required and authenticated
  kAllUnusable,    // (b) secure, non-empty, nothing usable: TLS required, not authenticated
  kInsecure,       // (c) records exist but DNSSEC does not protect them: no DANE
  kAbsent,         // (c) secure or insecure denial: no DANE
  kFailed,         // (d) lookup failed or bogus: the sender defers
  kHostFailed,     // the host's address (or CNAME) lookup failed or is bogus: unusable, the
                   // sender defers (RFC 7672 §2.1.2); TLSA is never asked
  kNotApplicable,  // the sender never looks (insecure host addresses, no address)
};
std::string_view to_string(TlsaState s);

struct TlsaSearch {
  TlsaState state = TlsaState::kNotApplicable;
  std::string reason;  // why, in words (e.g. "MX host addresses are not DNSSEC-secure")
  std::uint16_t port = 25;
  std::string base_domain;              // the TLSA base domain (RFC 7672 §2.2.3)
  std::vector<std::string> candidates;  // names tried, in order
  std::optional<dns::Answer> answer;    // the deciding TLSA answer
  std::vector<TlsaEntry> entries;
  // A sender would not look (kNotApplicable) but records exist anyway (an audit still looks).
  std::optional<dns::Answer> unprotected_answer;
  // The MX RRset is not secure but the host's addresses are: only senders that apply DANE to
  // such hosts (RFC 7672 §2.2.1; Postfix 3.6 and later by default) look up TLSA, and the MX host
  // name is then the only DANE-TA reference identifier (§3.2.2).
  bool insecure_mx = false;
  std::vector<TlsaEntry> usable_entries() const;
};

// Probe limits: per MX host, at most this many IPv4 and as many IPv6 addresses; per audit, at
// most kProbesPerAudit connections. Addresses beyond them are listed, not probed.
inline constexpr std::size_t kProbesPerFamily = 4;
inline constexpr std::size_t kProbesPerAudit = 32;

struct HostTransport {
  std::string host;
  TlsaSearch tlsa;
  std::vector<net::ProbeResult> probes;        // one per probed address, IPv4 first
  std::vector<std::string> skipped_addresses;  // over the probe limits, not connected to
};

struct TransportData {
  // Whether the hosts came from an MX lookup (false for `mailcheck dane HOST`) and whether that
  // lookup was DNSSEC-secure. Without an MX step the MX condition of RFC 7672 §2.2.1 is vacuous.
  bool mx_lookup = true;
  bool mx_secure = false;
  std::vector<HostTransport> hosts;
  double elapsed_ms = 0;
};

// probe_plan - PURE: the addresses of each MX host that are probed (distinct, within the limits
// above, in MX order); `skipped` receives the rest, per host.
std::vector<std::vector<std::string>> probe_plan(const MxData& mx,
                                                 std::vector<std::vector<std::string>>& skipped);

// Prober - how collect_transport reaches one address: net::probe_smtp unless set. The survey
// scanner's (survey/probes.hpp) connects once per (host, address, port) for the whole run and
// judges DANE per domain from the captured chain (net::verify_dane).
using Prober =
    std::function<boost::asio::awaitable<net::ProbeResult>(net::ProbeTarget, net::SmtpTimeouts)>;

struct TransportOptions {
  net::SmtpTimeouts timeouts;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::string ehlo_name = "mailcheck.invalid";
  std::uint16_t port = 25;
  net::TlsMode mode = net::TlsMode::kStarttls;
  bool mx_lookup = true;     // false: the hosts were named directly (mailcheck dane HOST)
  bool public_only = false;  // SSRF guard: addresses that are not public are not connected to
  // The recipient domain (set by collect_transport from the MX data): with a secure MX RRset a
  // DANE-TA match may name it instead of the MX host (RFC 7672 §3.2.2). A probe therefore
  // depends on the domain it was made for; the chain is kept (tls.chain_der) so that another
  // domain's verdict can be computed again from it, never reused.
  std::string recipient_domain;
  Prober prober;  // empty: net::probe_smtp
};

boost::asio::awaitable<TransportData> collect_transport(
    dns::Resolver& resolver, const MxData& mx, TransportOptions options,
    std::chrono::steady_clock::time_point start);

// tlsa_search - RFC 7672 §2.2.1-2.2.3 for one host (exposed for `mailcheck dane HOST`).
boost::asio::awaitable<TlsaSearch> tlsa_search(dns::Resolver& resolver, const MxHost& host,
                                               bool mx_secure, std::uint16_t port);

std::vector<TlsaEntry> classify_tlsa(const dns::Answer& answer);

// probe_host - every address of the host at once, with the search's usable records.
boost::asio::awaitable<std::vector<net::ProbeResult>> probe_host(const MxHost& host,
                                                                 const TlsaSearch& tlsa,
                                                                 const TransportOptions& options);

}  // namespace mc::checks
