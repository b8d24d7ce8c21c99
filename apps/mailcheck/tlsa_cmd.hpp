// tlsa_cmd.hpp - `mailcheck tlsa`: the TLSA records (RFC 6698 §2, RFC 7218 names) for a
// certificate, a key, or the chain a live server presents, as zone lines, nsupdate input or JSON.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli_common.hpp"

namespace cli {

struct TlsaCli {
  CLI::App* cmd = nullptr;
  std::string file;  // a certificate, chain or key; or host:
  std::string host;  // take the chain this server presents
  std::string params = "3 1 1";
  std::string name;  // the TLSA owner's host (default: host)
  std::string proto = "tcp";
  std::string format = "zone";
  std::string starttls = "smtp";
  unsigned port = 25;
  unsigned ttl = 3600;
  int chain_position = -1;  // -1: the default for the usage
  bool all = false;         // the recommended set instead of params
  Common common;            // resolver, trust anchor and timeout, with host
};

void add_tlsa(CLI::App& app, TlsaCli& t);
// run_tlsa - 0 with the records on stdout, or 2 for bad input or a chain that cannot be had.
int run_tlsa(const TlsaCli& t);

}  // namespace cli
