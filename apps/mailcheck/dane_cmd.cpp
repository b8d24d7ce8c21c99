// dane_cmd.cpp - see dane_cmd.hpp. The checks live in audit/; this file reads the options, calls
// audit::run_host_audit and prints.
#include "dane_cmd.hpp"

#include "audit/audit.hpp"

namespace cli {

void add_dane(CLI::App& app, DaneCli& d) {
  d.cmd = app.add_subcommand("dane", "Check DANE (TLSA) and TLS of one host, without an MX lookup");
  d.cmd->add_option("host", d.host, "Host name, e.g. mail.example.co.nz")->required();
  d.cmd->add_option("--port", d.port, "TCP port (the TLSA name is _PORT._tcp.HOST)")
      ->check(CLI::Range(1u, 65535u))
      ->capture_default_str();
  d.cmd
      ->add_option("--starttls", d.starttls,
                   "smtp: STARTTLS after EHLO; none: TLS from the first byte (e.g. 443, 465)")
      ->check(CLI::IsMember({"smtp", "none"}))
      ->capture_default_str();
  add_common(d.cmd, d.common);
}

int run_dane(const DaneCli& d) {
  auto options = host_options(d.host, d.port, d.starttls, d.common);
  if (!options) return usage_error(options.error().message);
  if (std::string bad = validate_common(d.common); !bad.empty()) return usage_error(bad);
  options->ca_file = d.common.ca_file;
  options->ehlo_name = d.common.ehlo_name;
  auto report = mc::audit::run_host_audit(*options);
  if (!report) return usage_error(report.error().message);
  return print_report(*report, d.common);
}

}  // namespace cli
