// audit.cpp - the audit orchestrator; see audit.hpp.
#include "audit/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <ctime>
#include <exception>

#include "audit/score.hpp"
#include "checks/bimi.hpp"
#include "checks/dane.hpp"
#include "checks/dkim.hpp"
#include "checks/dmarc.hpp"
#include "checks/dnssec.hpp"
#include "checks/mta_sts.hpp"
#include "checks/mx.hpp"
#include "checks/spf.hpp"
#include "checks/starttls.hpp"
#include "checks/tls_rpt.hpp"
#include "checks/transport.hpp"

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace mc::audit {
namespace {

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Collected {
  checks::MxData mx;
  checks::ZoneData zone;
  checks::TransportData transport;
  checks::SpfData spf;
  std::vector<checks::MxAuthorisation> mx_spf;
  checks::DmarcData dmarc;
  checks::DkimData dkim;
  checks::TlsRptData tls_rpt;
  checks::BimiData bimi;
  checks::MtaStsData mta_sts;
};

struct MailPath {
  checks::MxData mx;
  checks::TransportData transport;
  std::vector<checks::MxAuthorisation> mx_spf;
};

// mail_path - the MX chain, then TLSA and SMTP for every MX host (each needs the one before).
asio::awaitable<MailPath> mail_path(dns::Resolver& resolver, const AuditOptions& options,
                                    std::chrono::steady_clock::time_point start) {
  MailPath p;
  p.mx = co_await checks::collect_mx(resolver, options.domain, start);
  checks::TransportOptions t;
  t.timeouts = options.smtp_timeouts;
  t.deadline = start + options.timeout;
  t.ehlo_name = options.ehlo_name;
  // Once the MX hosts are known: TLSA and SMTP probes, and whether those hosts pass SPF.
  auto [transport, mx_spf] = co_await (checks::collect_transport(resolver, p.mx, t, start) &&
                                       checks::authorise_mx(resolver, p.mx, options.domain));
  p.transport = std::move(transport);
  p.mx_spf = std::move(mx_spf);
  co_return p;
}

asio::awaitable<Collected> collect(dns::Resolver& resolver, const AuditOptions& options,
                                   std::chrono::steady_clock::time_point start) {
  // Independent work runs at once: the mail path, the zone's DNSSEC parameters, the policies.
  // The policy fetch gets the same per-step deadlines as the SMTP probes.
  checks::MtaStsOptions mta_sts_options;
  mta_sts_options.deadline = start + options.timeout;
  mta_sts_options.timeouts = {options.smtp_timeouts.connect, options.smtp_timeouts.tls_handshake,
                              options.smtp_timeouts.command};
  auto [path, zone, spf, dmarc, dkim, tls_rpt, bimi, mta_sts] =
      co_await (mail_path(resolver, options, start) &&
                checks::collect_zone(resolver, options.domain, start) &&
                checks::collect_spf(resolver, options.domain, start) &&
                checks::collect_dmarc(resolver, options.domain, start) &&
                checks::collect_dkim(resolver, options.domain, options.dkim_selectors, start) &&
                checks::collect_tls_rpt(resolver, options.domain, start) &&
                checks::collect_bimi(resolver, options.domain, start) &&
                checks::collect_mta_sts(resolver, options.domain, mta_sts_options, start));
  Collected c;
  c.mx = std::move(path.mx);
  c.zone = std::move(zone);
  c.transport = std::move(path.transport);
  c.spf = std::move(spf);
  c.mx_spf = std::move(path.mx_spf);
  c.dmarc = std::move(dmarc);
  c.dkim = std::move(dkim);
  c.tls_rpt = std::move(tls_rpt);
  c.bimi = std::move(bimi);
  c.mta_sts = std::move(mta_sts);
  co_return c;
}

// open_resolver - the validating resolver of one run, bounded by the run's deadline.
Result<std::unique_ptr<dns::Resolver>> open_resolver(
    asio::io_context& io, const dns::ResolverConfig& config,
    std::chrono::steady_clock::time_point deadline) {
  auto resolver = dns::Resolver::create(io.get_executor(), config);
  if (resolver) (*resolver)->set_deadline(deadline);
  return resolver;
}

// report_header - the parts of a Report that do not depend on what was checked.
Report report_header(const DomainName& name, const ResolverSummary& resolver) {
  Report report;
  report.domain = name.str();
  report.domain_unicode = name.unicode();
  report.generated_at = now_rfc3339();
  report.tool_version = tool_version();
  report.resolver = resolver;
  return report;
}

}  // namespace

Result<SpfQueryResult> evaluate_spf(const SpfQueryOptions& options) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  auto resolver = open_resolver(io, options.resolver, start + options.timeout);
  if (!resolver) return tl::unexpected(resolver.error());
  dns::Resolver& r = **resolver;
  checks::spf::Lookup lookup = [&r](std::string name, std::uint16_t type) {
    return r.query(std::move(name), type);
  };
  std::exception_ptr failure;
  SpfQueryResult out;
  asio::co_spawn(io, checks::spf::check_host(lookup, options.input, options.limits),
                 [&](std::exception_ptr e, checks::spf::Evaluation ev) {
                   failure = e;
                   if (!e) out.evaluation = std::move(ev);
                 });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a bug, not a DNS failure
  out.resolver = r.summary();
  out.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::string tool_version() { return MAILCHECK_VERSION; }

Result<Report> run_audit(const AuditOptions& options) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  auto resolver = open_resolver(io, options.resolver, start + options.timeout);
  if (!resolver) return tl::unexpected(resolver.error());

  Report report = report_header(options.domain, (*resolver)->summary());

  std::exception_ptr failure;
  std::optional<Collected> collected;
  asio::co_spawn(io, collect(**resolver, options, start), [&](std::exception_ptr e, Collected c) {
    failure = e;
    if (!e) collected = std::move(c);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a bug, not a DNS failure

  report.areas.push_back(checks::evaluate_mx(collected->mx));
  report.areas.push_back(checks::evaluate_dnssec(collected->zone, collected->mx));
  report.areas.push_back(checks::evaluate_dane(collected->transport, collected->mx));
  report.areas.push_back(checks::evaluate_starttls(collected->transport, collected->mx,
                                                   options.ca_file,
                                                   options.now ? options.now : std::time(nullptr)));
  // A null MX (RFC 7505): the domain receives and sends no mail.
  const bool non_mail = collected->mx.entries.size() == 1 && collected->mx.hosts.empty() &&
                        collected->mx.entries.front().exchange == ".";
  // TLS-RPT matters most where DANE makes senders insist on TLS (RFC 8460 §1).
  const bool dane_in_use =
      std::any_of(collected->transport.hosts.begin(), collected->transport.hosts.end(),
                  [](const checks::HostTransport& h) {
                    return h.tlsa.state == checks::TlsaState::kUsable ||
                           h.tlsa.state == checks::TlsaState::kAllUnusable;
                  });
  const std::time_t now = options.now ? options.now : std::time(nullptr);
  report.areas.push_back(checks::evaluate_mta_sts(collected->mta_sts, collected->mx,
                                                  collected->transport, options.ca_file, now));
  const bool sts_in_use =
      report.areas.back().status != Status::kNone && report.areas.back().status != Status::kError;
  report.areas.push_back(
      checks::evaluate_tls_rpt(collected->tls_rpt, dane_in_use || sts_in_use, non_mail));
  const auto dmarc_policy = checks::effective_policy(collected->dmarc);
  report.areas.push_back(
      checks::evaluate_spf(collected->spf, collected->mx_spf, collected->mx, dmarc_policy));
  report.areas.push_back(checks::evaluate_dkim(collected->dkim, non_mail));
  report.areas.push_back(checks::evaluate_dmarc(collected->dmarc));
  report.areas.push_back(checks::evaluate_bimi(collected->bimi, collected->dmarc));
  report.grade = grade(report);
  report.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Result<HostInspection> inspect_host(const HostAuditOptions& options) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  auto resolver = open_resolver(io, options.resolver, start + options.timeout);
  if (!resolver) return tl::unexpected(resolver.error());
  HostInspection out;
  out.resolver = (*resolver)->summary();
  out.mx.domain = options.host.str();
  std::exception_ptr failure;
  auto body = [&]() -> asio::awaitable<void> {
    checks::MxHost h;
    h.name = options.host.str();
    out.mx.hosts.push_back(co_await checks::resolve_host(**resolver, std::move(h)));
    checks::TransportOptions t;
    t.timeouts = options.smtp_timeouts;
    t.deadline = start + options.timeout;
    t.ehlo_name = options.ehlo_name;
    t.port = options.port;
    t.mode = options.mode;
    t.mx_lookup = false;
    out.transport = co_await checks::collect_transport(**resolver, out.mx, t, start);
  };
  asio::co_spawn(io, body(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  out.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Result<Report> run_host_audit(const HostAuditOptions& options) {
  auto inspected = inspect_host(options);
  if (!inspected) return tl::unexpected(inspected.error());
  Report report = report_header(options.host, inspected->resolver);
  report.areas.push_back(checks::evaluate_dane(inspected->transport, inspected->mx));
  report.areas.push_back(checks::evaluate_starttls(inspected->transport, inspected->mx,
                                                   options.ca_file,
                                                   options.now ? options.now : std::time(nullptr)));
  report.elapsed_ms = inspected->elapsed_ms;
  return report;
}

Result<std::vector<std::string>> fetch_chain(const HostAuditOptions& options) {
  auto inspected = inspect_host(options);
  if (!inspected) return tl::unexpected(inspected.error());
  const auto& host = inspected->mx.hosts.front();
  if (!host.has_address()) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("{} has no address ({}; {})", options.host.str(),
                                  host.a.describe(), host.aaaa.describe()));
  }
  std::string why;
  for (const auto& p : inspected->transport.hosts.front().probes) {
    if (p.tls && !p.tls->chain_der.empty()) return p.tls->chain_der;
    if (p.failure && why.empty()) {
      why = fmt::format("{}: {} failed: {}", p.target.address, net::to_string(p.failure->step),
                        p.failure->detail);
    }
  }
  return make_error(ErrorKind::kInvalidInput,
                    fmt::format("no TLS session with {} ({})", options.host.str(), why));
}

}  // namespace mc::audit
