// main.cpp - the mailcheck command line: parses arguments, calls the library, prints.
//
// Exit codes: 0 the audit ran and nothing failed; 1 the audit ran and some check failed or could
// not be determined (status fail or error); 2 bad usage or an operational error (one line on
// stderr says what is wrong and what to do).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "audit/audit.hpp"
#include "core/findings.hpp"
#include "report/render.hpp"
#include "tls/pem.hpp"

namespace {

constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "mailcheck: %s\n", message.c_str());
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mailcheck - audit how well a mail domain's transport and sender authentication "
      "are secured"};
  app.set_version_flag("--version", mc::audit::tool_version());
  app.require_subcommand(1);

  // check
  auto* check = app.add_subcommand("check", "Audit a mail domain");
  std::string domain_arg;
  std::string format = "text";
  std::vector<std::string> resolvers;
  std::string trust_anchor = mc::dns::kDefaultTrustAnchor;
  std::string ca_file;
  double timeout_s = 60;
  std::vector<std::string> selectors;
  std::string colour = "auto";
  check->add_option("domain", domain_arg, "Domain to audit (IDNs accepted, e.g. müller.co.nz)")
      ->required();
  check->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  check->add_option("--resolver", resolvers,
                    "Forward DNS queries to this recursor, IP[@PORT] (repeatable; 'system' uses "
                    "/etc/resolv.conf). Answers are still DNSSEC-validated locally. Default: "
                    "recursive resolution from the root servers");
  check
      ->add_option("--trust-anchor", trust_anchor,
                   "DNSSEC trust anchor file (zone-file DS or DNSKEY lines)")
      ->capture_default_str();
  check->add_option(
      "--ca-file", ca_file,
      "Extra PEM CA certificates trusted for web-PKI checks (used by the TLS checks)");
  check->add_option("--timeout", timeout_s, "Upper bound on the whole audit, in seconds")
      ->capture_default_str();
  check->add_option("--dkim-selector", selectors,
                    "DKIM selector to look up (repeatable; used by the dkim check)");
  check->add_option("--color", colour, "Colour in text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();

  // findings
  auto* findings = app.add_subcommand("findings", "Print the findings catalogue");
  std::string findings_format = "markdown";
  findings->add_option("--format", findings_format, "Output format")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(fmt::format("{}; run 'mailcheck --help' for usage", e.what()));
  }

  if (findings->parsed()) {
    if (findings_format == "markdown") return write_all(mc::catalogue_markdown());
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : mc::finding_catalogue()) {
      j.push_back({{"id", d.id},
                   {"check", mc::to_string(d.area)},
                   {"severity", mc::to_string(d.severity)},
                   {"title", d.title},
                   {"explanation", d.explanation},
                   {"reference", d.reference}});
    }
    return write_all(j.dump(2) + "\n");
  }

  auto domain = mc::DomainName::parse(domain_arg);
  if (!domain) return usage_error(domain.error().message);
  if (!(timeout_s > 0 && timeout_s <= 3600)) {
    return usage_error(
        fmt::format("--timeout {} is out of range; give seconds between 1 and 3600", timeout_s));
  }
  if (!ca_file.empty()) {
    if (auto n = mc::tls::count_pem_certificates(ca_file); !n)
      return usage_error(n.error().message);
  }

  mc::audit::AuditOptions options{*domain, {}, {}, selectors, ca_file};
  options.resolver.forwarders = resolvers;
  options.resolver.trust_anchor_file = trust_anchor;
  options.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  options.resolver.query_timeout = std::min(options.resolver.query_timeout, options.timeout);

  auto report = mc::audit::run_audit(options);
  if (!report) return usage_error(report.error().message);

  std::string text;
  if (format == "json") {
    text = mc::report::render_json(*report);
  } else if (format == "html") {
    text = mc::report::render_html(*report);
  } else {
    text = mc::report::render_text(*report, {want_colour(colour), 80});
  }
  if (int rc = write_all(text); rc != 0) return rc;
  return report->any_failed() ? 1 : 0;
}
