// cli_common.cpp - see cli_common.hpp.
#include "cli_common.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/domain_name.hpp"
#include "report/render.hpp"
#include "tls/pem.hpp"

namespace cli {

// usage_error - one line on stderr, exit code 2. Control characters from user input are shown
// as \xNN so the message stays one line and cannot drive the terminal.
int usage_error(const std::string& message) {
  std::string line;
  for (unsigned char c : message) {
    line +=
        c < 0x20 || c == 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, static_cast<char>(c));
  }
  std::fprintf(stderr, "mailcheck: %s\n", line.c_str());
  return kExitUsage;
}

bool want_colour(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
         !(term != nullptr && std::string(term) == "dumb");
}

// write_all - the whole output in one piece, so a reader never sees half a report.
int write_all(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return usage_error("cannot write the report to standard output");
  }
  return 0;
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--format", c.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  add_audit_options(cmd, c);
  cmd->add_option("--color", c.colour, "Colour in text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

void add_audit_options(CLI::App* cmd, Common& c) {
  cmd->add_option("--resolver", c.resolvers,
                  "Forward DNS queries to this recursor, IP[@PORT] (repeatable; 'system' uses "
                  "/etc/resolv.conf). Answers are still DNSSEC-validated locally. Default: "
                  "recursive resolution from the root servers");
  cmd->add_option("--trust-anchor", c.trust_anchor,
                  "DNSSEC trust anchor file (zone-file DS or DNSKEY lines)")
      ->capture_default_str();
  cmd->add_option("--ca-file", c.ca_file,
                  "Extra PEM CA certificates trusted for web-PKI checks (with the system CAs)");
  cmd->add_option("--timeout", c.timeout_s, "Upper bound on the whole audit, in seconds")
      ->capture_default_str();
  cmd->add_option("--smtp-timeout", c.smtp_timeout_s,
                  "Deadline for each SMTP step (connect, greeting, each command, TLS handshake), "
                  "in seconds")
      ->capture_default_str();
  cmd->add_option("--ehlo-name", c.ehlo_name, "Name the probes give in EHLO")
      ->capture_default_str();
}

// validate_common - everything that can be checked before the first packet; "" when fine.
std::string validate_common(const Common& c) {
  if (!(c.timeout_s >= 1 && c.timeout_s <= 3600)) {
    return fmt::format("--timeout {} is out of range; give seconds between 1 and 3600",
                       c.timeout_s);
  }
  if (!(c.smtp_timeout_s >= 1 && c.smtp_timeout_s <= 600)) {
    return fmt::format("--smtp-timeout {} is out of range; give seconds between 1 and 600",
                       c.smtp_timeout_s);
  }
  if (auto ehlo = mc::DomainName::parse(c.ehlo_name); !ehlo) {
    return "--ehlo-name: " + ehlo.error().message;
  }
  if (!c.ca_file.empty()) {
    if (auto n = mc::tls::count_pem_certificates(c.ca_file); !n) return n.error().message;
  }
  return {};
}

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

mc::dns::ResolverConfig resolver_config(const Common& c) {
  mc::dns::ResolverConfig r;
  r.forwarders = c.resolvers;
  r.trust_anchor_file = c.trust_anchor;
  r.query_timeout = std::min(r.query_timeout, ms(c.timeout_s));
  return r;
}

mc::net::SmtpTimeouts smtp_timeouts(const Common& c) {
  const auto step = ms(c.smtp_timeout_s);
  return {std::min(step, std::chrono::milliseconds(10000)), step, step, step};
}

mc::Result<mc::audit::HostAuditOptions> host_options(const std::string& host, unsigned port,
                                                     const std::string& starttls, const Common& c) {
  auto name = mc::DomainName::parse(host);
  if (!name) return tl::unexpected(name.error());
  mc::audit::HostAuditOptions o(*name);
  o.port = static_cast<std::uint16_t>(port);
  o.mode = starttls == "none" ? mc::net::TlsMode::kImplicit : mc::net::TlsMode::kStarttls;
  o.resolver = resolver_config(c);
  o.timeout = ms(c.timeout_s);
  o.smtp_timeouts = smtp_timeouts(c);
  return o;
}

int print_report(const mc::Report& report, const Common& c) {
  std::string text;
  if (c.format == "json") {
    text = mc::report::render_json(report);
  } else if (c.format == "html") {
    text = mc::report::render_html(report);
  } else {
    text = mc::report::render_text(report, {want_colour(c.colour), 80});
  }
  if (int rc = write_all(text); rc != 0) return rc;
  // DNS failed entirely: the audit says nothing about the domain (exit code 3, documented).
  if (report.dns_failure) return 3;
  // With a compliance profile, not meeting it is a failure too.
  return report.any_failed() || (report.profile && !report.profile->compliant) ? 1 : 0;
}

}  // namespace cli
