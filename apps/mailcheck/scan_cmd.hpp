// scan_cmd.hpp - `mailcheck scan`: audit a list of domains into a scan database
// (src/survey/scan.hpp, src/store/scan_store.hpp), resume a run, list runs, export results.
//
//   mailcheck scan FILE|- --ehlo-name HOST [--db FILE] [--concurrency N] [--allow-private]
//                 [--dkim-selector S ...] [--retry-after SECONDS] [--per-ip N]
//                 [--ip-interval SECONDS]
//   mailcheck scan --resume RUN [--db FILE] ...
//   mailcheck scan status [--db FILE]
//   mailcheck scan export RUN [--format ndjson|csv] [--db FILE]
//
// Exit codes: 0 every domain of the run is done; 2 bad usage or a database error; 130 stopped
// by a signal (what is left is resumable, and the command says how).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace cli {

struct ScanCli {
  CLI::App* cmd = nullptr;
  CLI::App* status = nullptr;
  CLI::App* exporter = nullptr;
  Common common;
  std::string list;
  std::string db;
  std::int64_t resume = 0;
  std::int64_t export_run = 0;
  std::string export_format = "ndjson";
  unsigned concurrency = 32;
  bool allow_private = false;
  bool quiet = false;
  std::vector<std::string> selectors;  // DKIM selectors to look up; none: DKIM not tested
  double retry_after_s = 60;
  unsigned per_ip = 1;
  double ip_interval_s = 0.2;
};

void add_scan(CLI::App& app, ScanCli& s);
int run_scan(ScanCli& s);

}  // namespace cli
