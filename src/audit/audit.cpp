// audit.cpp - the audit orchestrator; see audit.hpp.
#include "audit/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <ctime>
#include <exception>
#include <functional>
#include <thread>

#include "audit/audit_data.hpp"
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
#include "core/clock.hpp"
#include "tls/certificate.hpp"

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace mc::audit {
namespace {

// Progress - what has been collected so far, and the areas decided from it. Each collection
// branch stores its data and calls advance(), which decides every area whose inputs are all in
// (in report order) and hands it to on_area: a caller streaming results sees each area as soon as
// it is known, not when the slowest probe ends.
struct Progress {
  Progress(const AuditOptions& o, AreaCallback cb, std::chrono::steady_clock::time_point t0)
      : options(o), on_area(std::move(cb)), start(t0) {}
  const AuditOptions& options;
  AreaCallback on_area;
  std::chrono::steady_clock::time_point start;
  AuditData data;
  std::array<std::optional<AreaReport>, kAreaCount> areas;

  std::time_t now() const { return options.now ? options.now : std::time(nullptr); }
  // A null MX (RFC 7505): the domain receives and sends no mail.
  bool non_mail() const {
    const auto& mx = *data.mx;
    return mx.entries.size() == 1 && mx.hosts.empty() && mx.entries.front().exchange == ".";
  }
  // TLS-RPT matters most where DANE makes senders insist on TLS (RFC 8460 §1).
  bool dane_in_use() const {
    return std::any_of(data.transport->hosts.begin(), data.transport->hosts.end(),
                       [](const checks::HostTransport& h) {
                         return h.tlsa.state == checks::TlsaState::kUsable ||
                                h.tlsa.state == checks::TlsaState::kAllUnusable;
                       });
  }

  void decide(Area a, bool ready, const std::function<AreaReport()>& evaluate) {
    auto& slot = areas[static_cast<std::size_t>(a)];
    if (slot || !ready) return;
    slot = evaluate();
    // When the area was decided: its last input arrived (the data's own times stay in details).
    slot->elapsed_ms = elapsed_ms(start);
    if (on_area) on_area(*slot);
  }

  AreaReport mta_sts_report() {
    const auto in =
        checks::mta_sts_input(*data.mta_sts, *data.mx, *data.transport, options.ca_file, now());
    data.mta_sts_policy = in.fetch;
    return checks::mta_sts_report(in);
  }

  void advance() {
    const auto& mx = data.mx;
    const auto& transport = data.transport;
    const auto& dmarc = data.dmarc;
    decide(Area::kMx, mx.has_value(), [&] { return checks::mx_report(*mx); });
    decide(Area::kDnssec, data.zone && mx, [&] { return checks::dnssec_report(*data.zone, *mx); });
    decide(Area::kDane, transport && mx, [&] { return checks::dane_report(*transport, *mx); });
    decide(Area::kStarttls, transport && mx,
           [&] { return checks::starttls_report(*transport, *mx, options.ca_file, now()); });
    decide(Area::kMtaSts, data.mta_sts && mx && transport, [&] { return mta_sts_report(); });
    const auto& sts = areas[static_cast<std::size_t>(Area::kMtaSts)];
    decide(Area::kTlsRpt, data.tls_rpt && mx && transport && sts, [&] {
      const bool sts_in_use = sts->status != Status::kNone && sts->status != Status::kError;
      return checks::tls_rpt_report(*data.tls_rpt, {dane_in_use() || sts_in_use, non_mail()});
    });
    decide(Area::kSpf, data.spf && data.mx_spf && mx && dmarc, [&] {
      return checks::spf_report(
          *data.spf, checks::spf_context(*mx, *data.mx_spf, checks::effective_policy(*dmarc)));
    });
    decide(Area::kDkim, data.dkim && mx,
           [&] { return checks::dkim_report(*data.dkim, non_mail()); });
    decide(Area::kDmarc, dmarc.has_value(), [&] { return checks::dmarc_report(*dmarc); });
    decide(Area::kBimi, data.bimi && dmarc,
           [&] { return checks::bimi_report(*data.bimi, *dmarc); });
  }
};

bool tests_dkim(const AuditOptions& options) {
  return options.guess_dkim_selectors || !options.dkim_selectors.empty();
}

// store - a collection branch: await it, keep its data, decide what can now be decided.
template <class T>
asio::awaitable<void> store(Progress& p, std::optional<T>& slot, asio::awaitable<T> task) {
  slot = co_await std::move(task);
  p.advance();
}

// mail_path - the MX chain, then TLSA and SMTP for every MX host (each needs the one before).
asio::awaitable<void> mail_path(Progress& p, dns::Resolver& resolver,
                                std::chrono::steady_clock::time_point start) {
  const AuditOptions& options = p.options;
  co_await store(p, p.data.mx, checks::collect_mx(resolver, options.domain, start));
  checks::TransportOptions t;
  t.timeouts = options.smtp_timeouts;
  t.deadline = start + options.timeout;
  t.ehlo_name = options.ehlo_name;
  t.public_only = options.public_only;
  t.prober = options.prober;
  // Once the MX hosts are known: TLSA and SMTP probes, and whether those hosts pass SPF.
  co_await (store(p, p.data.transport, checks::collect_transport(resolver, *p.data.mx, t, start)) &&
            store(p, p.data.mx_spf, checks::authorise_mx(resolver, *p.data.mx, options.domain)));
}

asio::awaitable<void> collect(Progress& p, dns::Resolver& resolver,
                              std::chrono::steady_clock::time_point start) {
  const AuditOptions& options = p.options;
  // Independent work runs at once: the mail path, the zone's DNSSEC parameters, the policies.
  // The policy fetch gets the same per-step deadlines as the SMTP probes.
  checks::MtaStsOptions mta_sts_options;
  mta_sts_options.deadline = start + options.timeout;
  mta_sts_options.timeouts = {options.smtp_timeouts.connect, options.smtp_timeouts.tls_handshake,
                              options.smtp_timeouts.command};
  mta_sts_options.public_only = options.public_only;
  const DomainName& d = options.domain;
  auto reachability = [&]() -> asio::awaitable<void> {
    p.data.root = co_await resolver.query(".", dns::rrtype::kSoa);
  };
  auto dkim = [&]() -> asio::awaitable<void> {
    if (!tests_dkim(options)) co_return;  // no area: listed as not tested
    co_await store(p, p.data.dkim,
                   checks::collect_dkim(resolver, d, options.dkim_selectors, start));
  };
  co_await (mail_path(p, resolver, start) && reachability() &&
            store(p, p.data.zone, checks::collect_zone(resolver, d, start)) &&
            store(p, p.data.spf, checks::collect_spf(resolver, d, start)) &&
            store(p, p.data.dmarc, checks::collect_dmarc(resolver, d, start)) && dkim() &&
            store(p, p.data.tls_rpt, checks::collect_tls_rpt(resolver, d, start)) &&
            store(p, p.data.bimi, checks::collect_bimi(resolver, d, start)) &&
            store(p, p.data.mta_sts, checks::collect_mta_sts(resolver, d, mta_sts_options, start)));
}

// open_resolver - the validating resolver of one run, bounded by the run's deadline.
Result<std::unique_ptr<dns::Resolver>> open_resolver(
    asio::io_context& io, const dns::ResolverConfig& config,
    std::chrono::steady_clock::time_point deadline) {
  auto resolver = dns::Resolver::create(io.get_executor(), config);
  if (resolver) (*resolver)->set_deadline(deadline);
  return resolver;
}

// dns_failure - set when not even the root zone answered and the domain's MX lookup failed too:
// then every "error" in the report says more about the network than about the domain.
std::optional<DnsFailure> dns_failure(const Progress& p, const ResolverSummary& resolver) {
  if (!p.data.root || p.data.root->is_answer() || !p.data.mx || p.data.mx->mx.is_answer())
    return std::nullopt;
  DnsFailure f;
  if (resolver.mode == "forwarding") {
    f.what = fmt::format(
        "DNS failed entirely: the recursor{} {} answered no query, not even "
        "for the root zone ({})",
        resolver.forwarders.size() > 1 ? "s" : "", fmt::join(resolver.forwarders, ", "),
        p.data.root->describe());
    f.advice =
        "Check that the recursor is running and reachable from here, or try --resolver system "
        "(the resolvers in /etc/resolv.conf).";
  } else {
    f.what = fmt::format(
        "DNS failed entirely: no name server answered, not even the root "
        "servers ({})",
        p.data.root->describe());
    f.advice =
        "MailCheck resolves from the root servers and needs outbound DNS (UDP and TCP port 53). "
        "If a firewall blocks it, open port 53 or use --resolver system or --resolver IP (your "
        "network's recursor; answers are still validated locally).";
  }
  return f;
}

// report_header - the parts of a Report that do not depend on what was checked.
Report report_header(const DomainName& name, const ResolverSummary& resolver) {
  Report report;
  report.domain = name.str();
  report.domain_unicode = name.unicode();
  report.generated_at = rfc3339_now();
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
  out.elapsed_ms = elapsed_ms(start);
  return out;
}

std::string tool_version() { return MAILCHECK_VERSION; }

asio::awaitable<Result<Report>> audit_domain(AuditOptions options, AreaCallback on_area) {
  const auto start = std::chrono::steady_clock::now();
  // The certificate checks need the web-PKI trust store only at the end: parse it meanwhile
  // (joined when the audit ends; at once when a long-running server has it already).
  std::jthread preload([ca = options.ca_file] { tls::preload_trust_store(ca); });
  auto executor = co_await asio::this_coro::executor;
  dns::ResolverConfig rc = options.resolver;
  rc.public_only = rc.public_only || options.public_only;
  auto resolver = options.shared_resolver != nullptr
                      ? Result<std::unique_ptr<dns::Resolver>>(options.shared_resolver->handle())
                      : dns::Resolver::create(executor, rc);
  if (!resolver) co_return tl::unexpected(resolver.error());
  (*resolver)->set_deadline(start + options.timeout);

  Report report = report_header(options.domain, (*resolver)->summary());
  Progress progress(options, std::move(on_area), start);
  co_await collect(progress, **resolver, start);
  for (auto& area : progress.areas) {
    if (area) report.areas.push_back(std::move(*area));
  }
  if (!tests_dkim(options)) {
    report.not_tested.push_back(
        {Area::kDkim,
         "DKIM selectors were not guessed (DNS cannot list them; a survey looks up only the "
         "selectors it is given with --dkim-selector)"});
  }
  report.dns_failure = dns_failure(progress, report.resolver);
  report.data = std::make_shared<const AuditData>(std::move(progress.data));
  if (!report.dns_failure) report.grade = grade(report);
  report.elapsed_ms = elapsed_ms(start);
  co_return report;
}

Result<Report> run_audit(const AuditOptions& options) {
  asio::io_context io;
  std::exception_ptr failure;
  std::optional<Result<Report>> out;
  asio::co_spawn(io, audit_domain(options, {}), [&](std::exception_ptr e, Result<Report> r) {
    failure = e;
    if (!e) out = std::move(r);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a bug, not a DNS failure
  return std::move(*out);
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
  out.elapsed_ms = elapsed_ms(start);
  return out;
}

Result<Report> run_host_audit(const HostAuditOptions& options) {
  auto inspected = inspect_host(options);
  if (!inspected) return tl::unexpected(inspected.error());
  Report report = report_header(options.host, inspected->resolver);
  report.areas.push_back(checks::dane_report(inspected->transport, inspected->mx));
  report.areas.push_back(checks::starttls_report(inspected->transport, inspected->mx,
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
