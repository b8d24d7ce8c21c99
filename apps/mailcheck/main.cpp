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
#include "audit/profile.hpp"
#include "checks/dkim.hpp"
#include "cli_common.hpp"
#include "core/findings.hpp"
#include "report/render.hpp"
#include "rollover_cmd.hpp"
#include "serve_cmd.hpp"
#include "spf_cmd.hpp"
#include "tls/pem.hpp"
#include "tools/tlsa_gen.hpp"

using namespace cli;

struct TlsaCommand {
  std::string file, host, params, name, proto, format, starttls;
  std::uint16_t port;
  unsigned ttl;
  int chain_position;
  bool all;
};

// live_chain - the chain a server presents (one probe, first address that answers).
mc::Result<mc::tools::TlsaInput> live_chain(const TlsaCommand& t, const Common& c) {
  auto host = mc::DomainName::parse(t.host);
  if (!host) return tl::unexpected(host.error());
  mc::audit::HostAuditOptions options(*host);
  options.port = t.port;
  options.mode = t.starttls == "none" ? mc::net::TlsMode::kImplicit : mc::net::TlsMode::kStarttls;
  options.resolver = resolver_config(c);
  options.timeout = ms(c.timeout_s);
  options.smtp_timeouts = smtp_timeouts(c);
  auto chain = mc::audit::fetch_chain(options);
  if (!chain) return tl::unexpected(chain.error());
  return mc::tools::TlsaInput{*chain, {}};
}

int run_tlsa(const TlsaCommand& t, const Common& c) {
  if (t.file.empty() == t.host.empty()) {
    return usage_error("give a certificate/key file or --host (one of them)");
  }
  if (t.chain_position < -1) return usage_error("--chain-position must be 0 or more");
  std::string owner_host = t.name.empty() ? t.host : t.name;
  if (owner_host.empty())
    return usage_error("with a file, --name gives the host of the TLSA owner");
  auto owner_name = mc::DomainName::parse(owner_host);
  if (!owner_name) return usage_error("--name: " + owner_name.error().message);
  auto params = mc::tools::parse_tlsa_params(t.params);
  if (!params) return usage_error(params.error().message);
  if (std::string bad = validate_common(c); !bad.empty()) return usage_error(bad);
  auto input = t.file.empty() ? live_chain(t, c) : mc::tools::load_tlsa_input(t.file);
  if (!input) return usage_error(input.error().message);

  std::vector<mc::policy::TlsaRecord> records;
  if (t.all) {
    records = mc::tools::recommended_tlsa(*input);
    if (records.empty()) return usage_error("no TLSA record can be made from this input");
  } else {
    auto r = mc::tools::make_tlsa(*input, *params, t.chain_position);
    if (!r) return usage_error(r.error().message);
    records.push_back(*r);
  }
  const std::string owner = mc::tools::tlsa_owner(owner_name->str(), t.port, t.proto);
  std::string out;
  if (t.format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : records) {
      j.push_back({{"owner", owner},
                   {"ttl", t.ttl},
                   {"usage", r.usage},
                   {"selector", r.selector},
                   {"matching_type", r.matching_type},
                   {"data", r.data_hex()},
                   {"mnemonic", r.mnemonic()},
                   {"record", fmt::format("{} {} IN TLSA {}", owner, t.ttl, r.text())}});
    }
    out = j.dump(2) + "\n";
  } else {
    for (const auto& r : records) {
      out += fmt::format("{}{} {} IN TLSA {}\n", t.format == "nsupdate" ? "update add " : "", owner,
                         t.ttl, r.text());
    }
    if (t.format == "nsupdate") out += "send\n";
  }
  return write_all(out);
}

int run(int argc, char** argv) {
  CLI::App app{
      "mailcheck - audit how well a mail domain's transport and sender authentication "
      "are secured"};
  app.set_version_flag("--version", mc::audit::tool_version());
  app.require_subcommand(1);

  // check
  auto* check = app.add_subcommand("check", "Audit a mail domain");
  std::string domain_arg;
  std::vector<std::string> selectors;
  Common check_opts;
  check->add_option("domain", domain_arg, "Domain to audit (IDNs accepted, e.g. müller.co.nz)")
      ->required();
  add_common(check, check_opts);
  check->add_option("--dkim-selector", selectors,
                    "DKIM selector to look up (repeatable; used by the dkim check)");
  std::string profile;
  {
    std::vector<std::string> names;
    for (auto n : mc::audit::profile_names()) names.emplace_back(n);
    check
        ->add_option("--profile", profile,
                     "Also judge the domain against a compliance baseline (docs/profiles.md): " +
                         fmt::format("{}", fmt::join(names, ", ")))
        ->check(CLI::IsMember(names));
  }

  // dane
  auto* dane =
      app.add_subcommand("dane", "Check DANE (TLSA) and TLS of one host, without an MX lookup");
  std::string host_arg;
  unsigned port = 25;
  std::string starttls = "smtp";
  Common dane_opts;
  dane->add_option("host", host_arg, "Host name, e.g. mail.example.co.nz")->required();
  dane->add_option("--port", port, "TCP port (the TLSA name is _PORT._tcp.HOST)")
      ->check(CLI::Range(1u, 65535u))
      ->capture_default_str();
  dane->add_option("--starttls", starttls,
                   "smtp: STARTTLS after EHLO; none: TLS from the first byte (e.g. 443, 465)")
      ->check(CLI::IsMember({"smtp", "none"}))
      ->capture_default_str();
  add_common(dane, dane_opts);

  // tlsa
  auto* tlsa = app.add_subcommand(
      "tlsa", "Print TLSA records for a certificate, a key, or a live server's chain");
  std::string tlsa_file;
  std::string tlsa_host;
  std::string tlsa_params = "3 1 1";
  std::string tlsa_name;
  std::string tlsa_proto = "tcp";
  std::string tlsa_format = "zone";
  std::string tlsa_starttls = "smtp";
  unsigned tlsa_port = 25;
  unsigned tlsa_ttl = 3600;
  int chain_position = -1;
  bool tlsa_all = false;
  Common tlsa_opts;
  tlsa->add_option("file", tlsa_file,
                   "Certificate or chain (PEM or DER), or a public or private key");
  tlsa->add_option("--host", tlsa_host, "Take the chain a live server presents")
      ->excludes(tlsa->get_option("file"));
  tlsa->add_option("--params", tlsa_params,
                   "Usage, selector, matching type: numbers or RFC 7218 names, e.g. "
                   "'DANE-EE SPKI SHA2-256'")
      ->capture_default_str();
  tlsa->add_flag("--all", tlsa_all, "The recommended set: 3 1 1 (leaf key) and 2 1 1 (issuer key)");
  tlsa->add_option("--chain-position", chain_position,
                   "Which certificate of the chain for usage 0/2 (0 = leaf, default 1 = issuer)");
  tlsa->add_option("--name", tlsa_name, "Host name of the TLSA owner (default: --host)");
  tlsa->add_option("--port", tlsa_port, "Port of the service (owner name and --host)")
      ->check(CLI::Range(1u, 65535u))
      ->capture_default_str();
  tlsa->add_option("--proto", tlsa_proto, "Transport protocol label of the owner name")
      ->check(CLI::IsMember({"tcp", "udp", "sctp"}))
      ->capture_default_str();
  tlsa->add_option("--ttl", tlsa_ttl, "TTL of the record")->capture_default_str();
  tlsa->add_option("--starttls", tlsa_starttls, "With --host: smtp or none (TLS from the start)")
      ->check(CLI::IsMember({"smtp", "none"}))
      ->capture_default_str();
  tlsa->add_option("--output", tlsa_format, "zone (a zone-file line), nsupdate, or json")
      ->check(CLI::IsMember({"zone", "nsupdate", "json"}))
      ->capture_default_str();
  tlsa->add_option("--resolver", tlsa_opts.resolvers, "As for check (used with --host)");
  tlsa->add_option("--trust-anchor", tlsa_opts.trust_anchor, "As for check (used with --host)");
  tlsa->add_option("--timeout", tlsa_opts.timeout_s, "Upper bound, in seconds (with --host)");

  // rollover
  RolloverCli rollover;
  add_rollover(app, rollover);

  // spf
  SpfCli spf;
  add_spf(app, spf);

  // serve
  ServeCli serve;
  add_serve(app, serve);

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

  if (rollover.root->parsed()) return run_rollover(rollover);
  if (serve.cmd->parsed()) return run_serve(serve);
  if (spf.cmd->parsed()) {
    spf.sender_given = spf.cmd->count("--sender") > 0;
    return run_spf(spf);
  }

  if (tlsa->parsed()) {
    return run_tlsa(
        {tlsa_file, tlsa_host, tlsa_params, tlsa_name, tlsa_proto, tlsa_format, tlsa_starttls,
         static_cast<std::uint16_t>(tlsa_port), tlsa_ttl, chain_position, tlsa_all},
        tlsa_opts);
  }

  if (dane->parsed()) {
    auto host = mc::DomainName::parse(host_arg);
    if (!host) return usage_error(host.error().message);
    if (std::string bad = validate_common(dane_opts); !bad.empty()) return usage_error(bad);
    mc::audit::HostAuditOptions options(*host);
    options.port = static_cast<std::uint16_t>(port);
    options.mode = starttls == "none" ? mc::net::TlsMode::kImplicit : mc::net::TlsMode::kStarttls;
    options.resolver = resolver_config(dane_opts);
    options.timeout = ms(dane_opts.timeout_s);
    options.ca_file = dane_opts.ca_file;
    options.smtp_timeouts = smtp_timeouts(dane_opts);
    options.ehlo_name = dane_opts.ehlo_name;
    auto report = mc::audit::run_host_audit(options);
    if (!report) return usage_error(report.error().message);
    return print_report(*report, dane_opts);
  }

  auto domain = mc::DomainName::parse(domain_arg);
  if (!domain) return usage_error(domain.error().message);
  if (std::string bad = validate_common(check_opts); !bad.empty()) return usage_error(bad);
  mc::audit::AuditOptions options(*domain);
  for (const auto& s : selectors) {
    if (!mc::checks::valid_selector(s)) {
      return usage_error(fmt::format(
          "--dkim-selector '{}' is not a selector name (DNS labels of letters, digits, '-', '_')",
          s));
    }
  }
  options.dkim_selectors = selectors;
  options.ca_file = check_opts.ca_file;
  options.resolver = resolver_config(check_opts);
  options.timeout = ms(check_opts.timeout_s);
  options.smtp_timeouts = smtp_timeouts(check_opts);
  options.ehlo_name = check_opts.ehlo_name;
  auto report = mc::audit::run_audit(options);
  if (!report) return usage_error(report.error().message);
  if (!profile.empty()) {
    report->profile = mc::audit::evaluate_profile(profile, *report, !selectors.empty());
  }
  return print_report(*report, check_opts);
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // A bug, not a finding: say so on one line and keep the exit-code contract.
    return usage_error(fmt::format("internal error: {}; please report it", e.what()));
  }
}
