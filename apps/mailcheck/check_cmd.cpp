// check_cmd.cpp - see check_cmd.hpp. The audit lives in audit/; this file reads the options,
// calls audit::run_audit and prints.
#include "check_cmd.hpp"

#include <fmt/format.h>

#include "audit/audit.hpp"
#include "audit/profile.hpp"
#include "checks/dkim.hpp"

namespace cli {

void add_check(CLI::App& app, CheckCli& c) {
  c.cmd = app.add_subcommand("check", "Audit a mail domain");
  c.cmd->add_option("domain", c.domain, "Domain to audit (IDNs accepted, e.g. müller.co.nz)")
      ->required();
  add_common(c.cmd, c.common);
  c.cmd->add_option("--dkim-selector", c.selectors,
                    "DKIM selector to look up (repeatable; used by the dkim check)");
  std::vector<std::string> names;
  for (auto n : mc::audit::profile_names()) names.emplace_back(n);
  c.cmd
      ->add_option("--profile", c.profile,
                   "Also judge the domain against a compliance baseline (docs/profiles.md): " +
                       fmt::format("{}", fmt::join(names, ", ")))
      ->check(CLI::IsMember(names));
}

int run_check(const CheckCli& c) {
  auto domain = mc::DomainName::parse(c.domain);
  if (!domain) return usage_error(domain.error().message);
  if (std::string bad = validate_common(c.common); !bad.empty()) return usage_error(bad);
  mc::audit::AuditOptions options(*domain);
  for (const auto& s : c.selectors) {
    if (!mc::checks::valid_selector(s)) {
      return usage_error(fmt::format(
          "--dkim-selector '{}' is not a selector name (DNS labels of letters, digits, '-', '_')",
          s));
    }
  }
  options.dkim_selectors = c.selectors;
  options.ca_file = c.common.ca_file;
  options.resolver = resolver_config(c.common);
  options.timeout = ms(c.common.timeout_s);
  options.smtp_timeouts = smtp_timeouts(c.common);
  options.ehlo_name = c.common.ehlo_name;
  auto report = mc::audit::run_audit(options);
  if (!report) return usage_error(report.error().message);
  if (!c.profile.empty()) {
    report->profile = mc::audit::evaluate_profile(c.profile, *report, !c.selectors.empty());
  }
  return print_report(*report, c.common);
}

}  // namespace cli
