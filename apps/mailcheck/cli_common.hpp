// cli_common.hpp - what the mailcheck subcommands share: one-line usage errors (exit 2), whole
// writes, the common audit options and their validation, report printing.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/report_model.hpp"
#include "dns/resolver.hpp"
#include "net/smtp_probe.hpp"

namespace cli {

inline constexpr int kExitUsage = 2;

int usage_error(const std::string& message);
bool want_colour(const std::string& mode);
int write_all(const std::string& text);

// Common - the options `check`, `dane`, `serve`, `tlsa --host` and `rollover` share (each takes
// those it uses).
struct Common {
  std::string format = "text";
  std::vector<std::string> resolvers;
  std::string trust_anchor = mc::dns::kDefaultTrustAnchor;
  std::string ca_file;
  double timeout_s = 60;
  double smtp_timeout_s = 30;
  std::string ehlo_name = "mailcheck.invalid";
  std::string colour = "auto";
};

// add_common - the options of a command that audits and prints a report: --format, the audit
// options, --color.
void add_common(CLI::App* cmd, Common& c);
// add_audit_options - how to audit: --resolver, --trust-anchor, --ca-file, --timeout,
// --smtp-timeout, --ehlo-name (a command that prints no report, such as serve, takes only these).
void add_audit_options(CLI::App* cmd, Common& c);
std::string validate_common(const Common& c);  // "" when fine
std::chrono::milliseconds ms(double seconds);
mc::dns::ResolverConfig resolver_config(const Common& c);
mc::net::SmtpTimeouts smtp_timeouts(const Common& c);
int print_report(const mc::Report& report, const Common& c);
// host_options - the options of a probe of one host (dane, tlsa --host, rollover): the port,
// STARTTLS ("smtp") or TLS from the first byte ("none"), and c's resolver, timeout and SMTP
// deadlines. An error when host is not a domain name.
mc::Result<mc::audit::HostAuditOptions> host_options(const std::string& host, unsigned port,
                                                     const std::string& starttls, const Common& c);

}  // namespace cli
