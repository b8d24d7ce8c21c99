// audit.hpp - run every check of a domain concurrently and assemble the Report.
//
// run_audit(options): builds the resolver (validating locally, see dns/resolver.hpp), runs the
// collection coroutines of all checks at once on one io_context, bounded by options.timeout, then
// evaluates each area (pure functions) into the Report. Returns an Error only when the audit could
// not run at all (bad configuration); DNS failures are findings inside the Report.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "checks/spf_eval.hpp"
#include "checks/transport.hpp"
#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "core/result.hpp"
#include "dns/resolver.hpp"
#include "net/smtp_probe.hpp"

namespace mc::audit {

struct AuditOptions {
  explicit AuditOptions(DomainName d) : domain(std::move(d)) {}
  DomainName domain;
  dns::ResolverConfig resolver;
  std::chrono::milliseconds timeout{60000};  // the whole audit
  std::vector<std::string> dkim_selectors;   // used by the dkim check
  // Without dkim_selectors: look up the common ones (18 lookups), or leave DKIM not tested.
  bool guess_dkim_selectors = true;
  std::string ca_file;              // extra web-PKI CAs, used by TLS checks
  net::SmtpTimeouts smtp_timeouts;  // per step of each SMTP probe
  std::string ehlo_name = "mailcheck.invalid";
  std::time_t now = 0;  // certificate checks' clock; 0 = the real time
  // The SSRF guard of a public service: never connect to (nor let the resolver query) an address
  // that is not globally routable (core/address_class.hpp); such hosts become findings.
  bool public_only = false;
  // A long-lived resolver to share (its cache) instead of a fresh one per audit, which then uses
  // a handle() of it with this audit's deadline; `resolver` is ignored. It must outlive the audit
  // and run on the audit's executor.
  const dns::Resolver* shared_resolver = nullptr;
  checks::Prober prober;  // how SMTP servers are probed; empty: directly (net::probe_smtp)
};

// AreaCallback - called on the audit's executor as soon as an area is decided.
using AreaCallback = std::function<void(const AreaReport&)>;

// audit_domain - the audit as a coroutine on the caller's executor (`mailcheck serve` runs many on
// its one event loop). on_area may be empty. options is copied into the coroutine.
boost::asio::awaitable<Result<Report>> audit_domain(AuditOptions options, AreaCallback on_area);

// run_audit - audit_domain on an event loop of its own, for one-shot callers.
Result<Report> run_audit(const AuditOptions& options);

// HostAuditOptions - `mailcheck dane HOST`: one host, no MX lookup, any port with TLSA.
struct HostAuditOptions {
  explicit HostAuditOptions(DomainName h) : host(std::move(h)) {}
  DomainName host;
  std::uint16_t port = 25;
  net::TlsMode mode = net::TlsMode::kStarttls;
  dns::ResolverConfig resolver;
  std::chrono::milliseconds timeout{60000};
  std::string ca_file;
  net::SmtpTimeouts smtp_timeouts;
  std::string ehlo_name = "mailcheck.invalid";
  std::time_t now = 0;
};

// inspect_host - what a DANE sender learns about one host: its addresses, the TLSA search and a
// probe of every address (with the usable records handed to OpenSSL's DANE verifier).
struct HostInspection {
  checks::MxData mx;  // one host, no MX lookup
  checks::TransportData transport;
  ResolverSummary resolver;
  double elapsed_ms = 0;
};
Result<HostInspection> inspect_host(const HostAuditOptions& options);

// run_host_audit - the dane and starttls areas for one host, with the same logic as an audit.
Result<Report> run_host_audit(const HostAuditOptions& options);

// fetch_chain - the certificate chain (DER, leaf first) the host presents on its first address
// that completes a TLS handshake; an error says why none did (e.g. no STARTTLS).
Result<std::vector<std::string>> fetch_chain(const HostAuditOptions& options);

// SpfQueryOptions - `mailcheck spf`: one check_host() evaluation as a receiver would run it.
struct SpfQueryOptions {
  checks::spf::EvalInput input;
  checks::spf::EvalLimits limits;
  dns::ResolverConfig resolver;
  std::chrono::milliseconds timeout{20000};  // RFC 7208 §4.6.4: at least 20 s per check
};
struct SpfQueryResult {
  checks::spf::Evaluation evaluation;
  ResolverSummary resolver;
  double elapsed_ms = 0;
};
Result<SpfQueryResult> evaluate_spf(const SpfQueryOptions& options);

std::string tool_version();

}  // namespace mc::audit
