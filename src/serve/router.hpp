// router.hpp - request to answer for `mailcheck serve` (the routes are listed in server.hpp).
//
// Exports: parse_request(), a request's method, path, query and X-Forwarded-For, or the refusal
// it gets (405, 400); Router, whose route() picks the answer: one ready now (a page, an asset,
// /healthz, a refusal, a cached result), one made by finished() once a job is done (wait_for), or
// an event stream (stream). HEAD on an audit route answers with the status and headers GET would,
// from what is cached or running, and neither starts an audit nor waits for one (RFC 9110 §9.3.2).
// Ownership: a Router holds a reference to the server's AuditService, which outlives it.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "serve/audit_service.hpp"
#include "serve/response.hpp"

namespace mc::serve {

// Routed - what a request gets: a response now, one made once wait_for is done, or a stream.
struct Routed {
  Response response;
  std::shared_ptr<Job> wait_for;  // answer with Router::finished() once it is done
  std::shared_ptr<Job> stream;    // answer with this job's event stream
  bool api = false;
  std::string cache;    // for the access log and X-Cache
  std::string profile;  // a compliance profile to judge the report against
};

Request parse_request(const http::request<http::empty_body>& msg);

class Router {
 public:
  // open_connections - how many connections are open now (for /healthz).
  Router(AuditService& service, std::function<std::size_t()> open_connections);

  Routed route(const Request& req, const std::string& client);

  // finished - the answer for a request that waited for its job: the report; 500 when the audit
  // could not run; 503 with Retry-After when it was cancelled at shutdown.
  static Response finished(const Routed& routed);

 private:
  struct Found {
    std::string domain;  // A-label form, once the input is a domain name
    std::shared_ptr<Job> job;
    std::optional<Response> refusal;
    std::string cache = "-";
  };
  Found lookup(const Request& req, const std::string& client, bool api, bool may_start);
  Routed audit_route(const Request& req, const std::string& client);
  Response health();

  AuditService& service_;
  std::function<std::size_t()> open_connections_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace mc::serve
