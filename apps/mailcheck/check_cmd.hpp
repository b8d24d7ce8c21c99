// check_cmd.hpp - `mailcheck check DOMAIN`: the whole audit of a mail domain, printed as text,
// JSON or HTML, optionally judged against a compliance profile (docs/profiles.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace cli {

struct CheckCli {
  CLI::App* cmd = nullptr;
  std::string domain;
  std::vector<std::string> selectors;  // DKIM selectors to look up
  std::string profile;                 // "" for none
  Common common;
};

void add_check(CLI::App& app, CheckCli& c);
// run_check - exit code 0, 1 or 3 (print_report), or 2 for bad input.
int run_check(const CheckCli& c);

}  // namespace cli
