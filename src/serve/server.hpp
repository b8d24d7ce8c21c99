// server.hpp - `mailcheck serve`: the public web checker and its JSON API on one event loop.
//
// Routes (GET and HEAD only; anything else is 405; HEAD of an audit route starts no audit):
//   /                          the form
//   /check?domain=D[&wait=1]   the result page: the whole report when cached (or with wait=1),
//                              else a frame that fills from the event stream
//   /api/v1/check?domain=D     the report as JSON (docs/json-schema.md), waiting for the audit
//   /api/v1/events?domain=D    server-sent events: "area" per decided area, then "done"/"failed";
//                              a heartbeat comment every heartbeat_interval while the audit runs
//   /healthz                   liveness and load, JSON
//   /static/app.js, app.css    the page's only script and style (the CSP allows nothing else)
// Limits: request headers 8 KiB and no body; 10 s to send a request; connections capped overall
// and per client (503); fresh audits capped overall and rate-limited per client (429 with
// Retry-After); results cached for a TTL. The SSRF guard (AuditOptions::public_only) is on unless
// allow_private. SIGTERM/SIGINT: stop accepting, let running audits finish within the grace
// period, then cancel the rest (a client waiting on one gets 503 with Retry-After) and return.
// One JSON line per request goes to the access log.
//
// The parts: server.cpp (connections, timeouts, shutdown), router.cpp (request to answer),
// event_stream.cpp, access_log.cpp, response.cpp (the headers every answer carries).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "serve/audit_service.hpp"

namespace mc::serve {

struct ServeConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8025;
  ServiceConfig service;
  std::size_t max_connections = 512;
  std::size_t max_connections_per_client = 32;
  std::chrono::milliseconds request_timeout{10000};  // to send a whole request
  std::chrono::milliseconds idle_timeout{30000};     // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_grace{10000};
  // Between an event stream's comment lines while its audit runs: some proxies cut connections
  // that are quiet for long (nginx after 60 s by default); HTML §9.2.7 suggests about 15 s.
  std::chrono::milliseconds heartbeat_interval{15000};
  std::FILE* access_log = stderr;  // nullptr: no log
  std::FILE* status_log = stderr;  // start/stop lines
  // Reverse proxies whose X-Forwarded-For is believed (canonical IP text); see serve/input.hpp.
  std::vector<std::string> trusted_proxies;
};

// serve - run until SIGTERM/SIGINT. An Error when the server cannot start (e.g. the port is
// taken); the message says what to do.
Result<void> serve(const ServeConfig& config);

}  // namespace mc::serve
