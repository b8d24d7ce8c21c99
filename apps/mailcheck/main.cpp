// main.cpp - the mailcheck command line: the subcommands (one file each, *_cmd.cpp), parsing, and
// the dispatch to the one that was given.
//
// Exit codes: 0 the audit ran and nothing failed; 1 the audit ran and some check failed or could
// not be determined (status fail or error); 2 bad usage or an operational error (one line on
// stderr says what is wrong and what to do).
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "audit/audit.hpp"
#include "check_cmd.hpp"
#include "cli_common.hpp"
#include "dane_cmd.hpp"
#include "findings_cmd.hpp"
#include "rollover_cmd.hpp"
#include "scan_cmd.hpp"
#include "serve_cmd.hpp"
#include "spf_cmd.hpp"
#include "tlsa_cmd.hpp"

using namespace cli;

int run(int argc, char** argv) {
  CLI::App app{
      "mailcheck - audit how well a mail domain's transport and sender authentication "
      "are secured"};
  app.set_version_flag("--version", mc::audit::tool_version());
  app.require_subcommand(1);

  // In this order in --help.
  CheckCli check;
  add_check(app, check);
  DaneCli dane;
  add_dane(app, dane);
  TlsaCli tlsa;
  add_tlsa(app, tlsa);
  RolloverCli rollover;
  add_rollover(app, rollover);
  SpfCli spf;
  add_spf(app, spf);
  ServeCli serve;
  add_serve(app, serve);
  ScanCli scan;
  add_scan(app, scan);
  FindingsCli findings;
  add_findings(app, findings);

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

  if (findings.cmd->parsed()) return run_findings(findings);
  if (rollover.root->parsed()) return run_rollover(rollover);
  if (serve.cmd->parsed()) return run_serve(serve);
  if (scan.cmd->parsed()) return run_scan(scan);
  if (spf.cmd->parsed()) {
    spf.sender_given = spf.cmd->count("--sender") > 0;
    return run_spf(spf);
  }
  if (tlsa.cmd->parsed()) return run_tlsa(tlsa);
  if (dane.cmd->parsed()) return run_dane(dane);
  return run_check(check);
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // A bug, not a finding: say so on one line and keep the exit-code contract.
    return usage_error(fmt::format("internal error: {}; please report it", e.what()));
  }
}
