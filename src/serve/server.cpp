// server.cpp - see server.hpp.
#include "serve/server.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <csignal>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/profile.hpp"
#include "report/render.hpp"
#include "serve/input.hpp"
#include "serve/pages.hpp"

namespace mc::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(30);

std::string json_text(const nlohmann::json& j) {
  // Text from DNS or a server may not be UTF-8: replaced, never a thrown exception.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string utc_now() {
  std::timespec ts{};
  std::timespec_get(&ts, TIME_UTC);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, ts.tv_nsec / 1000000);
}

struct Response {
  http::status status = http::status::ok;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cache = "-";  // for the access log
  bool cacheable = false;   // static assets
};

Response json_error(http::status status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json_text({{"error", {{"code", code}, {"message", message}}}}) + "\n";
  return r;
}

Response html(http::status status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct Request {
  http::verb method = http::verb::get;
  std::string path;
  std::map<std::string, std::string> query;  // first value of each key
  bool keep_alive = true;
  unsigned version = 11;
  std::string forwarded_for;        // X-Forwarded-For, believed only from a trusted proxy
  std::optional<Response> refusal;  // the request cannot be served: this is the answer
};

// Routed - what a request gets: a response now, or one made once wait_for is done.
struct Routed {
  Response response;
  std::shared_ptr<Job> wait_for;
  bool api = false;
  std::string cache;
  std::string profile;  // a compliance profile to judge the report against
};

class Server {
 public:
  Server(asio::io_context& io, const ServeConfig& config)
      : io_(io),
        config_(config),
        service_(io.get_executor(), config.service),
        acceptor_(io),
        signals_(io, SIGTERM, SIGINT),
        started_(Clock::now()) {}

  Result<void> listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.address, ec);
    if (ec) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("--listen: '{}' is not an IP address", config_.address));
    }
    const tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error(ErrorKind::kConfig,
                        fmt::format("cannot listen on {}:{}: {} (choose another --listen port)",
                                    config_.address, config_.port, ec.message()));
    }
    return {};
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void start() {
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
      if (!ec) shutdown(signo);
    });
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }

 private:
  // Connection bookkeeping: counts per client, and the open streams (closed at shutdown). Shared
  // with the sessions, whose frames may be destroyed after the Server (at shutdown, with the
  // event loop).
  struct Connections {
    std::size_t total = 0;
    std::map<std::string, std::size_t> per_client;
    std::set<beast::tcp_stream*> streams;
    // Connections waiting for a request, since when: at the cap, the longest-idle one is closed
    // to make room, so idle connections cannot lock everyone else out.
    std::map<beast::tcp_stream*, Clock::time_point> idle;

    bool make_room(beast::tcp_stream* except) {
      auto oldest = idle.end();
      for (auto it = idle.begin(); it != idle.end(); ++it) {
        if (it->first != except && (oldest == idle.end() || it->second < oldest->second)) {
          oldest = it;
        }
      }
      if (oldest == idle.end()) return false;
      boost::system::error_code ignored;
      oldest->first->socket().close(ignored);  // its pending read ends; its session closes
      idle.erase(oldest);
      return true;
    }
  };
  struct Slot {
    std::shared_ptr<Connections> c;
    std::string client;
    beast::tcp_stream* stream;
    Slot(std::shared_ptr<Connections> conns, std::string who, beast::tcp_stream* st)
        : c(std::move(conns)), client(std::move(who)), stream(st) {
      ++c->total;
      ++c->per_client[client];
      c->streams.insert(stream);
    }
    ~Slot() {
      --c->total;
      if (--c->per_client[client] == 0) c->per_client.erase(client);
      c->streams.erase(stream);
      c->idle.erase(stream);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
  };

  void log_status(const std::string& line) {
    if (config_.status_log) {
      std::fprintf(config_.status_log, "%s\n", line.c_str());
      std::fflush(config_.status_log);
    }
  }

  void access(const std::string& client, std::string_view method, std::string_view target,
              int status, std::size_t bytes, Clock::time_point began, std::string_view cache) {
    if (!config_.access_log) return;
    nlohmann::json j{
        {"time", utc_now()},
        {"client", client},
        {"method", method},
        {"target", target.substr(0, 512)},
        {"status", status},
        {"bytes", bytes},
        {"ms",
         std::round(std::chrono::duration<double, std::milli>(Clock::now() - began).count() * 100) /
             100},
        {"cache", cache}};
    const std::string line = json_text(j) + "\n";
    std::fwrite(line.data(), 1, line.size(), config_.access_log);
    std::fflush(config_.access_log);
  }

  asio::awaitable<void> accept_loop() {
    while (!stopping_) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || stopping_) break;
        // EMFILE and the like: back off briefly instead of spinning.
        asio::steady_timer t(io_, std::chrono::milliseconds(50));
        co_await t.async_wait(kTuple);
        continue;
      }
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  void set_common(http::response<http::string_body>& res, const Response& r) {
    res.set(http::field::server, "mailcheck");
    res.set(http::field::content_type, r.content_type);
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Cross-Origin-Opener-Policy", "same-origin");
    res.set(http::field::cache_control, r.cacheable ? "public, max-age=3600" : "no-store");
    for (const auto& [k, v] : r.headers) res.set(k, v);
  }

  // write - one response; false when the connection is to be closed.
  asio::awaitable<bool> write(beast::tcp_stream& stream, const Request& req, Response r,
                              const std::string& client, std::string_view target,
                              Clock::time_point began) {
    http::response<http::string_body> res{r.status, req.version};
    set_common(res, r);
    const bool keep = req.keep_alive && !stopping_;
    res.keep_alive(keep);
    res.body() = std::move(r.body);
    res.prepare_payload();
    const std::size_t bytes = res.body().size();
    stream.expires_after(kWriteTimeout);
    boost::system::error_code ec;
    std::size_t written = 0;
    if (req.method == http::verb::head) {
      http::response_serializer<http::string_body> sr(res);
      std::tie(ec, written) = co_await http::async_write_header(stream, sr, kTuple);
    } else {
      std::tie(ec, written) = co_await http::async_write(stream, res, kTuple);
    }
    access(client, http::to_string(req.method), target, static_cast<int>(r.status),
           req.method == http::verb::head ? 0 : bytes, began, r.cache);
    co_return !ec && keep;
  }

  asio::awaitable<void> session(tcp::socket socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) co_return;
    // An IPv4-mapped peer is logged and limited as the IPv4 address it is.
    auto addr = remote.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    }
    const std::string client = addr.to_string();
    beast::tcp_stream stream(std::move(socket));
    Slot slot(conns_, client_key(client), &stream);
    const Clock::time_point accepted = Clock::now();
    const bool room = conns_->total <= config_.max_connections || conns_->make_room(&stream);
    if (!room || conns_->per_client[client_key(client)] > config_.max_connections_per_client) {
      Request refused;
      refused.keep_alive = false;
      co_await write(stream, refused, too_many_connections(), client, "-", accepted);
      co_await linger_close(stream);
      co_return;
    }
    // GCC 12 mishandles coroutine locals that share a name across scopes and temporaries inside
    // co_await expressions: everything here is built by plain functions into distinct names.
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopping_) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kHeaderLimit);
      stream.expires_after(first ? config_.request_timeout : config_.idle_timeout);
      first = false;
      conns_->idle[&stream] = Clock::now();
      auto [rec, unused] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)unused;
      conns_->idle.erase(&stream);
      const Clock::time_point began = Clock::now();
      if (rec) {
        if (rec == http::error::end_of_stream || rec == beast::error::timeout ||
            rec == asio::error::operation_aborted || rec == asio::error::connection_reset ||
            rec == asio::error::eof) {
          co_return;  // closed or idle too long: no reply to give
        }
        Request bad;
        bad.keep_alive = false;
        co_await write(stream, bad, read_error(rec), client, "-", began);
        co_await linger_close(stream);
        co_return;
      }
      Request req = parse_request(parser.get());
      const std::string target(parser.get().target());
      // Behind a trusted reverse proxy the client is the one it names (rate limits, the log).
      const std::string who =
          config_.trusted_proxies.empty()
              ? client
              : client_address(client, req.forwarded_for, config_.trusted_proxies);
      if (req.path == "/api/v1/events" && !req.refusal) {
        co_await events(stream, req, who, target, began);
        co_return;  // a stream ends its connection
      }
      Routed routed = route(req, who);
      if (routed.wait_for) {
        co_await wait_done(routed.wait_for);
        routed.response = finished(routed);
      }
      const bool again =
          co_await write(stream, req, std::move(routed.response), who, target, began);
      if (!again) co_return;
    }
  }

  // linger_close - after a refusal sent before the request was read: stop sending, read (and
  // drop) what the client still sends for a moment, so that closing does not reset the
  // connection and destroy the reply before the client has read it.
  static asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> sink;
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(1));
    while (drained < 64 * 1024) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (ec) break;
      drained += n;
    }
  }

  static Response too_many_connections() {
    Response r = html(http::status::service_unavailable,
                      message_page("Too many connections",
                                   "Too many connections are open; try again in a moment."));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }

  static Response read_error(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit) {
      return html(http::status::request_header_fields_too_large,
                  message_page("Request too large", "The request headers exceed 8 KiB."));
    }
    if (ec == http::error::unexpected_body || ec == http::error::body_limit) {
      return html(http::status::payload_too_large,
                  message_page("Request too large", "Requests here carry no body."));
    }
    return html(http::status::bad_request,
                message_page("Bad request", "The request is not valid HTTP/1.1."));
  }

  // parse_request - method, path and query; a request that cannot be served carries its refusal.
  static Request parse_request(const http::request<http::empty_body>& msg) {
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

  // lookup - the domain's job for this client, or the response that says why there is none.
  struct Found {
    std::shared_ptr<Job> job;
    std::optional<Response> refusal;
    std::string cache;
  };
  Found lookup(const Request& req, const std::string& client, bool api) {
    Found out;
    auto it = req.query.find("domain");
    const std::string given = it == req.query.end() ? "" : it->second;
    auto refuse = [&](http::status st, std::string_view code, std::string message) {
      out.refusal = api ? json_error(st, code, message)
                        : html(st, st == http::status::bad_request
                                       ? home_page(given, message)
                                       : message_page("Please wait a moment", message));
    };
    if (given.empty()) {
      refuse(http::status::bad_request, "missing_domain",
             "Give a domain to check, e.g. ?domain=example.co.nz.");
      return out;
    }
    if (given.size() > 1024) {
      refuse(http::status::bad_request, "invalid_domain", "That is too long to be a domain name.");
      return out;
    }
    auto domain = DomainName::parse(normalise_domain_input(given));
    if (!domain) {
      refuse(http::status::bad_request, "invalid_domain",
             fmt::format("'{}' is not a domain name: {}", given, domain.error().message));
      return out;
    }
    auto found = service_.get(*domain, client_key(client));
    out.cache = std::string(to_string(found.outcome));
    switch (found.outcome) {
      case AuditService::Outcome::kCached:
      case AuditService::Outcome::kJoined:
      case AuditService::Outcome::kStarted:
        out.job = std::move(found.job);
        return out;
      case AuditService::Outcome::kRateLimited:
        refuse(http::status::too_many_requests, "rate_limited",
               fmt::format("You have started many checks in a short time; try again in {} s.",
                           found.retry_after.count()));
        break;
      case AuditService::Outcome::kBusy:
        refuse(http::status::too_many_requests, "busy",
               fmt::format("The checker is running as many audits as it can; try again in {} s.",
                           found.retry_after.count()));
        break;
      case AuditService::Outcome::kStopping:
        refuse(http::status::service_unavailable, "stopping",
               "The checker is restarting; try again shortly.");
        break;
    }
    out.refusal->headers.emplace_back("Retry-After", std::to_string(found.retry_after.count()));
    out.refusal->cache = out.cache;
    return out;
  }

  asio::awaitable<void> wait_done(const std::shared_ptr<Job>& job) {
    while (!job->done) co_await job->wait_change();
  }

  Response health() {
    service_.sweep();
    Response r;
    r.content_type = "application/json";
    r.body =
        json_text(
            {{"status", stopping_ ? "stopping" : "ok"},
             {"version", audit::tool_version()},
             {"audits_running", service_.running()},
             {"audits_started", service_.audits_started()},
             {"cached_results", service_.cached()},
             {"cache_bytes", service_.cache_bytes()},
             {"connections", conns_->total},
             {"uptime_s",
              std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count()}}) +
        "\n";
    return r;
  }

  static Response asset(const std::string& path) {
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
  static std::optional<Response> read_profile(const Request& req, bool api, std::string& profile) {
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

  Routed route(const Request& req, const std::string& client) {
    Routed out;
    if (req.refusal) {
      out.response = *req.refusal;
      return out;
    }
    if (req.path == "/") {
      out.response = html(http::status::ok, home_page());
    } else if (req.path == "/healthz") {
      out.response = health();
    } else if (req.path == "/static/app.js" || req.path == "/static/app.css" ||
               req.path == "/static/icon.svg") {
      out.response = asset(req.path);
    } else if (req.path == "/check" || req.path == "/api/v1/check") {
      out.api = req.path != "/check";
      if (auto refusal = read_profile(req, out.api, out.profile)) {
        out.response = std::move(*refusal);
        return out;
      }
      Found f = lookup(req, client, out.api);
      out.cache = f.cache;
      if (f.refusal) {
        out.response = std::move(*f.refusal);
      } else if (!f.job->done && !out.api && req.query.count("wait") == 0) {
        const auto name = DomainName::parse(f.job->domain);
        out.response =
            html(http::status::ok,
                 pending_page(f.job->domain, name ? name->unicode() : f.job->domain, out.profile));
        out.response.cache = f.cache;
      } else {
        out.wait_for = std::move(f.job);
      }
    } else {
      out.response =
          html(http::status::not_found,
               message_page("Not found", "There is no page here; check a domain instead."));
    }
    return out;
  }

  // finished - the response for a request that waited for its job.
  static Response finished(const Routed& routed) {
    Job& job = *routed.wait_for;
    Response r;
    if (!job.report) {
      r = routed.api ? json_error(http::status::internal_server_error, "audit_failed", job.error)
                     : html(http::status::internal_server_error,
                            message_page("The audit could not run", job.error));
      r.cache = routed.cache;
      return r;
    }
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
      it = job.rendered
               .emplace(variant, routed.api ? report::render_json(shown) : result_page(shown))
               .first;
    }
    if (routed.api) r.content_type = "application/json";
    r.body = it->second;
    r.cache = routed.cache;
    return r;
  }

  asio::awaitable<bool> send_text(beast::tcp_stream& stream, const std::string& text,
                                  std::size_t& bytes) {
    stream.expires_after(kWriteTimeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), kTuple);
    bytes += n;
    co_return !ec;
  }

  // events - server-sent events for one domain's job (starting it if need be).
  static std::string area_event_text(const AreaReport& a) {
    nlohmann::json data{{"area", to_string(a.area)},
                        {"status", to_string(a.status)},
                        {"summary", a.summary},
                        {"html", report::render_html_area(a)}};
    return "event: area\ndata: " + json_text(data) + "\n\n";
  }

  static std::string end_event_text(const Job& job, const std::string& profile) {
    if (!job.report) {
      return "event: failed\ndata: " + json_text({{"error", job.error}}) + "\n\n";
    }
    const std::string overview =
        profile.empty()
            ? report::render_html_overview(*job.report)
            : report::render_html_overview(audit::with_profile(*job.report, profile, false));
    nlohmann::json data{{"meta", report::render_html_meta(*job.report)},
                        {"overview", overview},
                        {"elapsed_ms", job.report->elapsed_ms}};
    if (job.report->grade) data["grade"] = job.report->grade->letter;
    if (job.report->dns_failure) data["not_graded"] = job.report->dns_failure->what;
    return "event: done\ndata: " + json_text(data) + "\n\n";
  }

  asio::awaitable<void> events(beast::tcp_stream& stream, const Request& req,
                               const std::string& client, const std::string& target,
                               Clock::time_point began) {
    std::string profile;
    Found f;
    if (auto refusal = read_profile(req, true, profile)) {
      f.refusal = std::move(refusal);
    } else {
      f = lookup(req, client, true);
    }
    if (f.refusal) {
      Request once = req;
      once.keep_alive = false;
      co_await write(stream, once, std::move(*f.refusal), client, target, began);
      co_return;
    }
    std::shared_ptr<Job> job = f.job;
    std::string out = fmt::format(
        "HTTP/1.1 200 OK\r\nServer: mailcheck\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n"
        "Content-Security-Policy: {}\r\nX-Content-Type-Options: nosniff\r\n\r\n",
        kContentSecurityPolicy);
    std::size_t bytes = 0, sent = 0;
    bool ok = co_await send_text(stream, out, bytes);
    while (ok && req.method != http::verb::head) {
      while (ok && sent < job->decided.size()) {
        const std::string area_event = area_event_text(job->area_at(sent++));
        ok = co_await send_text(stream, area_event, bytes);
      }
      if (!ok) break;
      if (job->done) {
        const std::string end_event = end_event_text(*job, profile);
        co_await send_text(stream, end_event, bytes);
        break;
      }
      co_await job->wait_change();
    }
    access(client, http::to_string(req.method), target, 200, bytes, began, f.cache);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void shutdown(int signo) {
    if (stopping_) {
      // A second signal: stop now, whatever is running.
      log_status(fmt::format("mailcheck serve: signal {} again: stopping at once", signo));
      io_.stop();
      return;
    }
    signals_.async_wait([this](boost::system::error_code ec, int again) {
      if (!ec) shutdown(again);
    });
    stopping_ = true;
    service_.stop_starting();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    log_status(
        fmt::format("mailcheck serve: signal {}: not accepting; {} audit(s) running, "
                    "waiting up to {} ms",
                    signo, service_.running(), config_.shutdown_grace.count()));
    asio::co_spawn(io_, drain(), asio::detached);
  }

  asio::awaitable<void> drain() {
    const auto deadline = Clock::now() + config_.shutdown_grace;
    asio::steady_timer t(io_);
    while (service_.running() > 0 && Clock::now() < deadline) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(kTuple);
    }
    const std::size_t cancelled = service_.running();
    // Give finished streams a moment to flush their last event, then close what is left.
    t.expires_after(std::chrono::milliseconds(100));
    co_await t.async_wait(kTuple);
    for (auto* s : conns_->streams) {
      boost::system::error_code ignored;
      s->socket().shutdown(tcp::socket::shutdown_both, ignored);
      s->socket().close(ignored);
    }
    log_status(fmt::format("mailcheck serve: stopped ({} audit(s) cancelled)", cancelled));
    io_.stop();
  }

  asio::io_context& io_;
  const ServeConfig& config_;
  AuditService service_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  Clock::time_point started_;
  std::shared_ptr<Connections> conns_ = std::make_shared<Connections>();
  bool stopping_ = false;
};

}  // namespace

Result<void> serve(const ServeConfig& config) {
  // Every connection and every probe is a descriptor: use all the process may have.
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &lim);
  }
  asio::io_context io(1);
  auto server = std::make_unique<Server>(io, config);
  if (auto ok = server->listen(); !ok) return ok;
  server->start();
  if (config.status_log) {
    std::fprintf(
        config.status_log,
        "mailcheck serve: listening on http://%s:%u/ (SSRF guard %s, at most %zu audits "
        "at once, results cached %lld s)\n",
        config.address.find(':') != std::string::npos ? ("[" + config.address + "]").c_str()
                                                      : config.address.c_str(),
        static_cast<unsigned>(server->port()),
        config.service.base.public_only ? "on" : "off (--allow-private)",
        config.service.max_running, static_cast<long long>(config.service.cache_ttl.count()));
    std::fflush(config.status_log);
  }
  io.run();
  return {};
}

}  // namespace mc::serve
