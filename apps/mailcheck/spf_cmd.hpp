// spf_cmd.hpp - `mailcheck spf`: evaluate a domain's SPF policy for one client address, as a
// receiving MTA would (RFC 7208 check_host), and show the result, explanation and every step.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace cli {

struct SpfCli {
  CLI::App* cmd = nullptr;
  std::string domain;
  std::string ip;
  std::string sender;
  bool sender_given = false;
  std::string helo;
  std::string receiver = "unknown";
  std::string default_explanation;
  std::string format = "text";
  std::vector<std::string> resolvers;
  std::string trust_anchor;
  double timeout_s = 20;
};

void add_spf(CLI::App& app, SpfCli& s);
int run_spf(const SpfCli& s);

}  // namespace cli
