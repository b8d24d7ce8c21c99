// router.cpp - see router.hpp.
#include "serve/router.hpp"

#include <fmt/format.h>

#include <boost/url/parse.hpp>

#include "audit/profile.hpp"
#include "report/render.hpp"
#include "serve/event_stream.hpp"
#include "serve/input.hpp"
#include "serve/pages.hpp"

namespace mc::serve {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kRestarting = "The checker is restarting; try again shortly.";

// refuse - why there is no result: JSON on the API; on pages the form again for bad input, else
// a "try later" page.
Response refuse(bool api, http::status st, std::string_view code, const std::string& message,
                std::string_view given) {
  if (api) return json_error(st, code, message);
  return html(st, st == http::status::bad_request ? home_page(given, message)
                                                  : message_page("Please wait a moment", message));
}

Response with_retry_after(Response r, std::chrono::seconds after) {
  r.headers.emplace_back("Retry-After", std::to_string(after.count()));
  return r;
}

Response asset(const std::string& path) {
  Response r;
  r.cacheable = true;
  if (path == "/static/app.js") {
    r.content_type = "text/javascript; charset=utf-8";
    r.body = std::string(app_js());
  } else if (path == "/static/icon.svg") {
    r.content_type = "image/svg+xml";
    r.body = std::string(icon_svg());
  } else {
    r.content_type = "text/css; charset=utf-8";
    r.body = app_css();
  }
  return r;
}

// read_profile - the profile= of a request into `profile` ("" when none); a name that is no
// profile is refused (400), the same on every route.
std::optional<Response> read_profile(const Request& req, bool api, std::string& profile) {
  auto p = req.query.find("profile");
  if (p == req.query.end() || p->second.empty()) return std::nullopt;
  if (!audit::is_profile(p->second)) {
    const std::string message = fmt::format("unknown profile '{}'; known: {}", p->second,
                                            fmt::join(audit::profile_names(), ", "));
    return api ? json_error(http::status::bad_request, "invalid_profile", message)
               : html(http::status::bad_request, home_page("", message));
  }
  profile = p->second;
  return std::nullopt;
}

}  // namespace

Request parse_request(const http::request<http::empty_body>& msg) {
  Request req;
  req.method = msg.method();
  req.keep_alive = msg.keep_alive();
  req.version = msg.version();
  // Every X-Forwarded-For line, in order: some proxies add a line of their own rather than
  // append to the client's, and only reading them all keeps the client's line on the left.
  for (auto [it, end] = msg.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!req.forwarded_for.empty()) req.forwarded_for += ", ";
    req.forwarded_for += std::string(it->value());
  }
  if (req.method != http::verb::get && req.method != http::verb::head) {
    Response r = html(http::status::method_not_allowed,
                      message_page("Method not allowed", "Only GET and HEAD are served."));
    r.headers.emplace_back("Allow", "GET, HEAD");
    req.refusal = std::move(r);
    return req;
  }
  auto url = boost::urls::parse_origin_form(msg.target());
  if (!url) {
    req.refusal = html(http::status::bad_request,
                       message_page("Bad request", "The request target is not a valid URL."));
    return req;
  }
  req.path = url->path();
  for (auto p : url->params()) {
    if (req.query.size() < 16) req.query.try_emplace(std::string(p.key), std::string(p.value));
  }
  return req;
}

Router::Router(AuditService& service, std::function<std::size_t()> open_connections)
    : service_(service), open_connections_(std::move(open_connections)), started_(Clock::now()) {}

// lookup - the domain's job for this client, or the response that says why there is none. Unless
// may_start, nothing is started and no rate-limit token is spent: a job is found only when cached
// or running, and a refusal is the one starting would get.
Router::Found Router::lookup(const Request& req, const std::string& client, bool api,
                             bool may_start) {
  Found out;
  auto it = req.query.find("domain");
  const std::string given = it == req.query.end() ? "" : it->second;
  if (given.empty()) {
    out.refusal = refuse(api, http::status::bad_request, "missing_domain",
                         "Give a domain to check, e.g. ?domain=example.co.nz.", given);
    return out;
  }
  if (given.size() > 1024) {
    out.refusal = refuse(api, http::status::bad_request, "invalid_domain",
                         "That is too long to be a domain name.", given);
    return out;
  }
  auto domain = DomainName::parse(normalise_domain_input(given));
  if (!domain) {
    out.refusal =
        refuse(api, http::status::bad_request, "invalid_domain",
               fmt::format("'{}' is not a domain name: {}", given, domain.error().message), given);
    return out;
  }
  out.domain = domain->str();
  auto found = may_start ? service_.get(*domain, client_key(client))
                         : service_.peek(*domain, client_key(client));
  // Peeking, kStarted means that an audit would start, not that one did: "-", no audit involved.
  if (may_start || found.outcome != AuditService::Outcome::kStarted) {
    out.cache = std::string(to_string(found.outcome));
  }
  switch (found.outcome) {
    case AuditService::Outcome::kCached:
    case AuditService::Outcome::kJoined:
    case AuditService::Outcome::kStarted:
      out.job = std::move(found.job);
      return out;
    case AuditService::Outcome::kRateLimited:
    case AuditService::Outcome::kBusy: {
      const std::string_view why = found.outcome == AuditService::Outcome::kBusy
                                       ? "The checker is running as many audits as it can"
                                       : "You have started many checks in a short time";
      out.refusal =
          refuse(api, http::status::too_many_requests, to_string(found.outcome),
                 fmt::format("{}; try again in {} s.", why, found.retry_after.count()), given);
      break;
    }
    case AuditService::Outcome::kStopping:
      out.refusal = refuse(api, http::status::service_unavailable, "stopping",
                           std::string(kRestarting), given);
      break;
  }
  out.refusal = with_retry_after(std::move(*out.refusal), found.retry_after);
  return out;
}

Response Router::health() {
  service_.sweep();
  Response r;
  r.content_type = "application/json";
  r.body =
      json_text(
          {{"status", service_.stopping() ? "stopping" : "ok"},
           {"version", audit::tool_version()},
           {"audits_running", service_.running()},
           {"audits_started", service_.audits_started()},
           {"cached_results", service_.cached()},
           {"cache_bytes", service_.cache_bytes()},
           {"connections", open_connections_()},
           {"uptime_s",
            std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count()}}) +
      "\n";
  return r;
}

Routed Router::route(const Request& req, const std::string& client) {
  Routed out;
  if (req.refusal) {
    out.response = *req.refusal;
  } else if (req.path == "/") {
    out.response = html(http::status::ok, home_page());
  } else if (req.path == "/healthz") {
    out.response = health();
  } else if (req.path == "/static/app.js" || req.path == "/static/app.css" ||
             req.path == "/static/icon.svg") {
    out.response = asset(req.path);
  } else if (req.path == "/check" || req.path == "/api/v1/check" || req.path == "/api/v1/events") {
    return audit_route(req, client);
  } else {
    out.response =
        html(http::status::not_found,
             message_page("Not found", "There is no page here; check a domain instead."));
  }
  return out;
}

// audit_route - /check, /api/v1/check and /api/v1/events.
Routed Router::audit_route(const Request& req, const std::string& client) {
  Routed out;
  out.api = req.path != "/check";
  if (auto refused = read_profile(req, out.api, out.profile)) {
    out.response = std::move(*refused);
    return out;
  }
  // HEAD is for the headers: it must not cost an audit (nor a client's token) or wait for one.
  const bool head = req.method == http::verb::head;
  Found f = lookup(req, client, out.api, !head);
  out.cache = f.cache;
  const bool done = f.job && f.job->done;
  if (f.refusal) {
    out.response = std::move(*f.refusal);
  } else if (req.path == "/api/v1/events") {
    if (head) {
      out.response = event_stream_response();
    } else {
      out.stream = std::move(f.job);
    }
  } else if (!done && !out.api && req.query.count("wait") == 0) {
    const auto name = DomainName::parse(f.domain);
    out.response = html(http::status::ok,
                        pending_page(f.domain, name ? name->unicode() : f.domain, out.profile));
  } else if (done || !head) {
    out.wait_for = std::move(f.job);
  } else {
    // A result still to come: GET would wait for it, so only its length is unknown.
    if (out.api) out.response.content_type = "application/json";
    out.response.length_known = false;
    out.response.headers.emplace_back("X-Cache", f.job ? f.cache : "miss");
  }
  out.response.cache = out.cache;
  return out;
}

Response Router::finished(const Routed& routed) {
  Job& job = *routed.wait_for;
  Response r;
  if (job.cancelled) {
    r = with_retry_after(refuse(routed.api, http::status::service_unavailable, "stopping",
                                std::string(kRestarting), {}),
                         AuditService::kStoppingRetryAfter);
  } else if (!job.report) {
    r = routed.api ? json_error(http::status::internal_server_error, "audit_failed", job.error)
                   : html(http::status::internal_server_error,
                          message_page("The audit could not run", job.error));
  }
  r.cache = routed.cache;
  if (!job.report) return r;
  const auto age = Clock::now() - job.finished;
  r.headers.emplace_back(
      "Age", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(age).count()));
  r.headers.emplace_back("X-Cache", routed.cache);
  // Each variant (JSON or page, with or without a profile) is rendered once per result: cache
  // hits cost no tokens, so they must cost little else.
  const std::string variant = std::string(routed.api ? "json" : "page") +
                              (routed.profile.empty() ? "" : ":" + routed.profile);
  auto it = job.rendered.find(variant);
  if (it == job.rendered.end()) {
    const Report shown = audit::with_profile(*job.report, routed.profile, false);
    it = job.rendered.emplace(variant, routed.api ? report::render_json(shown) : result_page(shown))
             .first;
  }
  if (routed.api) r.content_type = "application/json";
  r.body = it->second;
  return r;
}

}  // namespace mc::serve
