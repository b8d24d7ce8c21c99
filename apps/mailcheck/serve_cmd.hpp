// serve_cmd.hpp - `mailcheck serve`: the web checker and JSON API (src/serve/server.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace cli {

struct ServeCli {
  CLI::App* cmd = nullptr;
  Common common;
  std::string listen = "127.0.0.1:8025";
  bool allow_private = false;
  unsigned max_audits = 8;
  double rate = 6;   // fresh audits per minute per client
  double burst = 6;  // and at once
  double cache_ttl_s = 300;
  unsigned cache_mib = 256;
  unsigned max_connections = 512;
  unsigned max_connections_per_client = 32;
  double shutdown_grace_s = 10;
  double heartbeat_s = 15;
  std::string access_log = "-";
  std::vector<std::string> trusted_proxies;
};

void add_serve(CLI::App& app, ServeCli& s);
int run_serve(ServeCli& s);

}  // namespace cli
