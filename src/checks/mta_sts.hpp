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
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "net/https_fetch.hpp"

namespace mc::checks {

struct MtaStsData {
  std::string domain;
  std::string policy_host;  // mta-sts.<domain>
  dns::Answer txt;
  dns::Answer a;
  dns::Answer aaaa;
  std::optional<net::HttpsResponse> fetch;  // absent when the host has no address
  double elapsed_ms = 0;
};

struct MtaStsOptions {
  net::HttpsTimeouts timeouts;
  bool public_only = false;  // SSRF guard: addresses that are not public are not connected to
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

boost::asio::awaitable<MtaStsData> collect_mta_sts(
    dns::Resolver& resolver, const DomainName& domain, MtaStsOptions options,
    std::chrono::steady_clock::time_point audit_start);

AreaReport evaluate_mta_sts(const MtaStsData& data, const MxData& mx,
                            const TransportData& transport, const std::string& ca_file,
                            std::time_t now);

}  // namespace mc::checks
