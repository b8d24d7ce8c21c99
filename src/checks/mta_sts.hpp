// mta_sts.hpp - the mta_sts check: what an MTA-STS sender (RFC 8461) concludes about the domain.
//
// collect_mta_sts(resolver, domain, options): _mta-sts.<domain> TXT and the addresses of
//   mta-sts.<domain> at once, then the policy fetched over HTTPS (net::fetch_https: TLS 1.2+, SNI,
//   no redirects, 64 KiB, deadlines) from the first address that accepts a connection.
// evaluate_mta_sts(data, mx, transport, ca_file, now): PURE: the TXT record and the policy exactly
//   as a sender reads them (§3.1-§3.3; a fetch failure is "no policy" to senders), then the
//   judgement (§4, §5): every MX host must match an mx pattern, and in enforce and testing mode
//   every matched host must offer STARTTLS with TLS 1.2+ and a certificate valid for its name
//   under web PKI. The STARTTLS probes of the transport collection are reused, never repeated.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "checks/transport.hpp"
#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "net/https_fetch.hpp"
#include "policy/mta_sts.hpp"

namespace mc::checks {

struct MtaStsData {
  std::string domain;
  std::string policy_host;  // mta-sts.<domain>
  dns::Answer txt;
  dns::Answer a;
  dns::Answer aaaa;
  std::optional<net::HttpsResponse> fetch;  // absent when the host has no address
  double elapsed_ms = 0;

  std::vector<std::string> records() const;  // the TXT records that begin with v=STSv1;
};

struct MtaStsOptions {
  net::HttpsTimeouts timeouts;
  bool public_only = false;  // SSRF guard: addresses that are not public are not connected to
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

boost::asio::awaitable<MtaStsData> collect_mta_sts(
    dns::Resolver& resolver, const DomainName& domain, MtaStsOptions options,
    std::chrono::steady_clock::time_point audit_start);

// PolicyFetch - the policy as a sender fetches it (§3.3): parsed, or why it is unusable.
struct PolicyFetch {
  std::optional<policy::mta_sts::PolicyParse> parsed;  // the body was read and parsed
  std::string_view id;                                 // the finding when unusable, else empty
  std::string problem;
  std::vector<std::string> evidence;
  bool usable() const { return id.empty() && parsed && parsed->ok(); }
};

// StsHost - what an MTA-STS sender concludes for one MX host (§4, §5).
struct StsHost {
  std::string name;
  bool listed = false;  // an mx line matches it
  bool dane = false;    // usable TLSA: DANE senders use that instead (§2)
  struct Address {
    std::string address;
    std::string why;  // why the sender refuses it; empty when TLS is acceptable
  };
  std::vector<Address> addresses;  // listed hosts only
};

// MtaStsInput - the collected data with the web-PKI verdicts computed once (they read the CA
// files): the policy fetch, and each MX host against a usable policy.
struct MtaStsInput {
  const MtaStsData& data;
  const MxData& mx;
  std::time_t now = 0;
  std::vector<std::string> records;
  PolicyFetch fetch;
  std::vector<StsHost> hosts;
};
MtaStsInput mta_sts_input(const MtaStsData& data, const MxData& mx, const TransportData& transport,
                          const std::string& ca_file, std::time_t now);

Evaluation evaluate_mta_sts(const MtaStsInput& input);  // PURE: state and findings
AreaView mta_sts_view(const MtaStsInput& input, const Evaluation& evaluation);
AreaReport mta_sts_report(const MtaStsInput& input);
AreaReport mta_sts_report(const MtaStsData& data, const MxData& mx, const TransportData& transport,
                          const std::string& ca_file, std::time_t now);

}  // namespace mc::checks
