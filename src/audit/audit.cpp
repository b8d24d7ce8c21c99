// audit.cpp - the audit orchestrator; see audit.hpp.
#include "audit/audit.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <ctime>
#include <exception>

#include "checks/dnssec.hpp"
#include "checks/mx.hpp"

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
};

asio::awaitable<Collected> collect(dns::Resolver& resolver, const DomainName& domain,
                                   std::chrono::steady_clock::time_point start) {
  // Independent lookups run at once: the MX chain and the zone's DNSSEC parameters.
  auto [mx, zone] = co_await (checks::collect_mx(resolver, domain, start) &&
                              checks::collect_zone(resolver, domain, start));
  co_return Collected{std::move(mx), std::move(zone)};
}

}  // namespace

std::string tool_version() { return MAILCHECK_VERSION; }

Result<Report> run_audit(const AuditOptions& options) {
  asio::io_context io;
  auto resolver = dns::Resolver::create(io.get_executor(), options.resolver);
  if (!resolver) return tl::unexpected(resolver.error());
  const auto start = std::chrono::steady_clock::now();
  (*resolver)->set_deadline(start + options.timeout);

  Report report;
  report.domain = options.domain.str();
  report.domain_unicode = options.domain.unicode();
  report.generated_at = now_rfc3339();
  report.tool_version = tool_version();
  report.resolver = (*resolver)->summary();

  std::exception_ptr failure;
  std::optional<Collected> collected;
  asio::co_spawn(io, collect(**resolver, options.domain, start),
                 [&](std::exception_ptr e, Collected c) {
                   failure = e;
                   if (!e) collected = std::move(c);
                 });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a bug, not a DNS failure

  report.areas.push_back(checks::evaluate_mx(collected->mx));
  report.areas.push_back(checks::evaluate_dnssec(collected->zone, collected->mx));
  report.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mc::audit
