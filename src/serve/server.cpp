// server.cpp - see server.hpp. Connection handling: the listening socket and its accept loop,
// each connection's requests and answers with their timeouts and limits, and shutdown. What a
// request gets is router.cpp's; the event stream is event_stream.cpp's; the log access_log.cpp's.
//
// Exports: serve() only. Ownership: serve() owns the event loop and the Server; each connection's
// coroutine owns its stream, and the Connections bookkeeping is shared with those coroutines
// (their frames may be destroyed after the Server, with the event loop).
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
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <map>
#include <set>

#include "serve/access_log.hpp"
#include "serve/event_stream.hpp"
#include "serve/input.hpp"
#include "serve/pages.hpp"
#include "serve/response.hpp"
#include "serve/router.hpp"

namespace mc::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 8 * 1024;
// After the audits are cancelled at shutdown, how long their waiting clients have to be sent
// their 503 (and the streams their last event) before every connection is closed.
constexpr auto kShutdownFlush = std::chrono::seconds(1);

// Connections - counts per client, and the open streams (closed at shutdown).
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

// Slot - one connection's place in Connections, for as long as its session runs.
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

Response too_many_connections() {
  Response r = html(http::status::service_unavailable,
                    message_page("Too many connections",
                                 "Too many connections are open; try again in a moment."));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response read_error(const boost::system::error_code& ec) {
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

// linger_close - after a refusal sent before the request was read: stop sending, read (and
// drop) what the client still sends for a moment, so that closing does not reset the
// connection and destroy the reply before the client has read it.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
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

class Server {
 public:
  Server(asio::io_context& io, const ServeConfig& config)
      : io_(io),
        config_(config),
        service_(io.get_executor(), config.service),
        router_(service_, [conns = conns_] { return conns->total; }),
        log_(config.access_log),
        acceptor_(io),
        signals_(io, SIGTERM, SIGINT) {}

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
  void log_status(const std::string& line) {
    if (config_.status_log) {
      std::fprintf(config_.status_log, "%s\n", line.c_str());
      std::fflush(config_.status_log);
    }
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

  // write - one response, logged; false when the connection is to be closed.
  asio::awaitable<bool> write(beast::tcp_stream& stream, const Request& req, Response r,
                              const std::string& client, std::string_view target,
                              Clock::time_point began) {
    const bool keep = req.keep_alive && !stopping_;
    const bool head = req.method == http::verb::head;
    const std::string cache = r.cache;
    http::response<http::string_body> res = to_message(std::move(r), req.version, keep);
    const std::size_t bytes = head ? 0 : res.body().size();
    stream.expires_after(kWriteTimeout);
    boost::system::error_code ec;
    std::size_t written = 0;
    if (head) {
      http::response_serializer<http::string_body> sr(res);
      std::tie(ec, written) = co_await http::async_write_header(stream, sr, kTuple);
    } else {
      std::tie(ec, written) = co_await http::async_write(stream, res, kTuple);
    }
    log_.record({client, http::to_string(req.method), target, static_cast<int>(res.result_int()),
                 bytes, began, cache});
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
    // A connection accepted before the server began to stop has its first request answered
    // (a 503 unless cached); keep-alive ends with it.
    while (first || !stopping_) {
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
      Routed routed = router_.route(req, who);
      if (routed.stream) {
        const std::size_t streamed = co_await send_event_stream(
            stream, req.version, routed.stream, routed.profile, config_.heartbeat_interval);
        log_.record({who, http::to_string(req.method), target, 200, streamed, began, routed.cache});
        co_return;  // a stream ends its connection
      }
      if (routed.wait_for) {
        while (!routed.wait_for->done) co_await routed.wait_for->wait_change();
        routed.response = Router::finished(routed);
      }
      const bool again =
          co_await write(stream, req, std::move(routed.response), who, target, began);
      if (!again) co_return;
    }
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

  // drain - wait out the grace period, cancel what still runs, let every waiting client have
  // its answer, then close what is left (idle keep-alive connections) and stop the loop.
  asio::awaitable<void> drain() {
    const auto deadline = Clock::now() + config_.shutdown_grace;
    asio::steady_timer t(io_);
    while (service_.running() > 0 && Clock::now() < deadline) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(kTuple);
    }
    // A client waiting on a cancelled audit is told to come back (503, Retry-After), not cut
    // off: its session wakes, writes that and closes, since the server is stopping.
    const std::size_t cancelled = service_.cancel_running();
    const auto flushed_by = Clock::now() + kShutdownFlush;
    do {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(kTuple);
    } while (conns_->idle.size() < conns_->total && Clock::now() < flushed_by);
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
  std::shared_ptr<Connections> conns_ = std::make_shared<Connections>();
  AuditService service_;
  Router router_;
  AccessLog log_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
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
