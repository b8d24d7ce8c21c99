// tlsa_cmd.cpp - see tlsa_cmd.hpp. The records are made by tools/tlsa_gen; this file reads the
// options, gets the input (a file, or one probe of a live server) and prints.
#include "tlsa_cmd.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "audit/audit.hpp"
#include "tools/tlsa_gen.hpp"

namespace cli {
namespace {

// live_chain - the chain a server presents (one probe, first address that answers).
mc::Result<mc::tools::TlsaInput> live_chain(const TlsaCli& t) {
  auto options = host_options(t.host, t.port, t.starttls, t.common);
  if (!options) return tl::unexpected(options.error());
  auto chain = mc::audit::fetch_chain(*options);
  if (!chain) return tl::unexpected(chain.error());
  return mc::tools::TlsaInput{*chain, {}};
}

}  // namespace

void add_tlsa(CLI::App& app, TlsaCli& t) {
  t.cmd = app.add_subcommand(
      "tlsa", "Print TLSA records for a certificate, a key, or a live server's chain");
  t.cmd->add_option("file", t.file,
                    "Certificate or chain (PEM or DER), or a public or private key");
  t.cmd->add_option("--host", t.host, "Take the chain a live server presents")
      ->excludes(t.cmd->get_option("file"));
  t.cmd
      ->add_option("--params", t.params,
                   "Usage, selector, matching type: numbers or RFC 7218 names, e.g. "
                   "'DANE-EE SPKI SHA2-256'")
      ->capture_default_str();
  t.cmd->add_flag("--all", t.all, "The recommended set: 3 1 1 (leaf key) and 2 1 1 (issuer key)");
  t.cmd->add_option("--chain-position", t.chain_position,
                    "Which certificate of the chain for usage 0/2 (0 = leaf, default 1 = issuer)");
  t.cmd->add_option("--name", t.name, "Host name of the TLSA owner (default: --host)");
  t.cmd->add_option("--port", t.port, "Port of the service (owner name and --host)")
      ->check(CLI::Range(1u, 65535u))
      ->capture_default_str();
  t.cmd->add_option("--proto", t.proto, "Transport protocol label of the owner name")
      ->check(CLI::IsMember({"tcp", "udp", "sctp"}))
      ->capture_default_str();
  t.cmd->add_option("--ttl", t.ttl, "TTL of the record")->capture_default_str();
  t.cmd->add_option("--starttls", t.starttls, "With --host: smtp or none (TLS from the start)")
      ->check(CLI::IsMember({"smtp", "none"}))
      ->capture_default_str();
  t.cmd->add_option("--output", t.format, "zone (a zone-file line), nsupdate, or json")
      ->check(CLI::IsMember({"zone", "nsupdate", "json"}))
      ->capture_default_str();
  t.cmd->add_option("--resolver", t.common.resolvers, "As for check (used with --host)");
  t.cmd->add_option("--trust-anchor", t.common.trust_anchor, "As for check (used with --host)");
  t.cmd->add_option("--timeout", t.common.timeout_s, "Upper bound, in seconds (with --host)");
}

int run_tlsa(const TlsaCli& t) {
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
  if (std::string bad = validate_common(t.common); !bad.empty()) return usage_error(bad);
  auto input = t.file.empty() ? live_chain(t) : mc::tools::load_tlsa_input(t.file);
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
  const std::string owner =
      mc::tools::tlsa_owner(owner_name->str(), static_cast<std::uint16_t>(t.port), t.proto);
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

}  // namespace cli
