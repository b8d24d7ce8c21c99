// rollover_cmd.hpp - `mailcheck rollover status|check|next-key`: safe TLSA key rollover.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli_common.hpp"

namespace cli {

struct RolloverCli {
  CLI::App* root = nullptr;
  CLI::App* status = nullptr;
  CLI::App* check = nullptr;
  CLI::App* next_key = nullptr;
  CLI::App* plan = nullptr;
  std::string current;
  std::string next;
  std::string host;
  unsigned port = 25;
  std::string starttls = "smtp";
  std::string cert;
  std::string state_file;
  std::string published_at;
  std::string key_type = "ec-p256";
  std::string out;
  std::string name;
  Common common;
};

void add_rollover(CLI::App& app, RolloverCli& r);
int run_rollover(const RolloverCli& r);

}  // namespace cli
