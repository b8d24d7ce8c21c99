// dane_cmd.hpp - `mailcheck dane HOST`: DANE (TLSA) and TLS of one host, without an MX lookup
// (RFC 7672 §3 for port 25; RFC 7671 for any other TLS service).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli_common.hpp"

namespace cli {

struct DaneCli {
  CLI::App* cmd = nullptr;
  std::string host;
  unsigned port = 25;
  std::string starttls = "smtp";  // or "none": TLS from the first byte
  Common common;
};

void add_dane(CLI::App& app, DaneCli& d);
// run_dane - exit code 0, 1 or 3 (print_report), or 2 for bad input.
int run_dane(const DaneCli& d);

}  // namespace cli
