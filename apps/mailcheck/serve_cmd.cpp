// serve_cmd.cpp - see serve_cmd.hpp.
#include "serve_cmd.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "serve/input.hpp"
#include "serve/server.hpp"

namespace cli {

void add_serve(CLI::App& app, ServeCli& s) {
  s.cmd = app.add_subcommand("serve", "Run the web checker and its JSON API");
  s.common.timeout_s = 30;  // a web user waits for the page (set first: --help shows these)
  s.common.smtp_timeout_s = 10;
  // A server prints no report: --format and --color would mean nothing here.
  add_audit_options(s.cmd, s.common);
  s.cmd->add_option("--listen", s.listen, "ADDRESS:PORT to listen on ([v6]:port for IPv6)")
      ->capture_default_str();
  s.cmd->add_flag("--allow-private", s.allow_private,
                  "Connect to private, loopback and other non-public addresses (a lab or an "
                  "intranet deployment). Off: such hosts are reported, never connected to");
  s.cmd->add_option("--max-audits", s.max_audits, "Audits running at once (more: 429)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  s.cmd->add_option("--rate", s.rate, "Fresh audits a client may start per minute")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  s.cmd->add_option("--burst", s.burst, "Fresh audits a client may start at once")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  s.cmd->add_option("--cache-ttl", s.cache_ttl_s, "Seconds a result is served from the cache")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  s.cmd->add_option("--cache-memory", s.cache_mib, "MiB the cached results may take (estimated)")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  s.cmd->add_option("--max-connections", s.max_connections, "Open connections overall")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  s.cmd
      ->add_option("--max-connections-per-client", s.max_connections_per_client,
                   "Open connections per client address")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  s.cmd
      ->add_option("--shutdown-grace", s.shutdown_grace_s,
                   "On SIGTERM, seconds running audits may take to finish")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  s.cmd
      ->add_option("--heartbeat", s.heartbeat_s,
                   "Seconds between the comment lines an event stream sends while its audit "
                   "runs (so proxies keep it open)")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  s.cmd->add_option("--trusted-proxy", s.trusted_proxies,
                    "Address of a reverse proxy in front of the server (repeatable): requests "
                    "from it are counted against the client its X-Forwarded-For names");
  s.cmd
      ->add_option("--access-log", s.access_log,
                   "File for the access log (JSON lines), '-' for stderr, 'off' for none")
      ->capture_default_str();
}

int run_serve(ServeCli& s) {
  if (std::string bad = validate_common(s.common); !bad.empty()) return usage_error(bad);
  mc::serve::ServeConfig config;
  // ADDRESS:PORT, [IPv6]:PORT
  std::string host = s.listen, port_text;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos || close + 1 >= host.size() || host[close + 1] != ':') {
      return usage_error(fmt::format("--listen '{}': write [IPv6]:PORT", s.listen));
    }
    port_text = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else {
    const auto colon = host.rfind(':');
    if (colon == std::string::npos) {
      return usage_error(
          fmt::format("--listen '{}': write ADDRESS:PORT, e.g. 127.0.0.1:8025", s.listen));
    }
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return usage_error(fmt::format("--listen '{}': the port must be a number 0-65535", s.listen));
  }
  config.address = host;
  config.port = static_cast<std::uint16_t>(port);

  auto& base = config.service.base;
  base.resolver = resolver_config(s.common);
  base.timeout = ms(s.common.timeout_s);
  base.smtp_timeouts = smtp_timeouts(s.common);
  base.ca_file = s.common.ca_file;
  base.ehlo_name = s.common.ehlo_name;
  base.public_only = !s.allow_private;
  config.service.max_running = s.max_audits;
  config.service.audits_per_minute = s.rate;
  config.service.audit_burst = s.burst;
  config.service.cache_ttl = std::chrono::seconds(static_cast<long long>(s.cache_ttl_s));
  config.service.max_cache_bytes = static_cast<std::size_t>(s.cache_mib) << 20;
  config.max_connections = s.max_connections;
  config.max_connections_per_client = s.max_connections_per_client;
  config.shutdown_grace = ms(s.shutdown_grace_s);
  config.heartbeat_interval = ms(s.heartbeat_s);
  for (const auto& p : s.trusted_proxies) {
    const std::string a = mc::serve::canonical_address(p);
    if (a.empty()) {
      return usage_error(
          fmt::format("--trusted-proxy '{}' is not an IP address; give the proxy's address", p));
    }
    config.trusted_proxies.push_back(a);
  }

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file(nullptr, &std::fclose);
  if (s.access_log == "off") {
    config.access_log = nullptr;
  } else if (s.access_log != "-") {
    log_file.reset(std::fopen(s.access_log.c_str(), "a"));
    if (!log_file) {
      return usage_error(
          fmt::format("--access-log '{}': cannot open it for appending", s.access_log));
    }
    config.access_log = log_file.get();
  }
  // The resolver settings are checked once, before the first request (a bad trust anchor must
  // stop the server, not fail every audit).
  if (auto ok = mc::dns::validate_trust_anchor_file(base.resolver.trust_anchor_file); !ok) {
    return usage_error(ok.error().message);
  }
  auto served = mc::serve::serve(config);
  if (!served) return usage_error(served.error().message);
  return 0;
}

}  // namespace cli
