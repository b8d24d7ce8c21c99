// https_fetch.cpp - see https_fetch.hpp.
#include "net/https_fetch.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/clock.hpp"
#include "net/deadline.hpp"
#include "net/errors.hpp"

namespace mc::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

void fail(HttpsResponse& r, FetchStep step, std::string kind, std::string detail) {
  r.failure = FetchFailure{step, std::move(kind), std::move(detail)};
}

std::vector<std::string> peer_chain(SSL* ssl) {
  std::vector<std::string> out;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);  // leaf first on the client side
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(sk_X509_value(chain, i), &der);
    if (len > 0) out.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
  }
  return out;
}

}  // namespace

std::string_view to_string(FetchStep step) {
  switch (step) {
    case FetchStep::kConnect:
      return "connect";
    case FetchStep::kTlsHandshake:
      return "tls_handshake";
    case FetchStep::kRequest:
      return "request";
    case FetchStep::kResponse:
      return "response";
  }
  return "unknown";
}

asio::awaitable<HttpsResponse> fetch_https(HttpsRequest request) {
  const auto start = Clock::now();
  HttpsResponse r;
  r.request = std::move(request);
  const HttpsRequest& q = r.request;
  auto executor = co_await asio::this_coro::executor;
  auto finish = [&]() -> HttpsResponse {
    r.elapsed_ms = elapsed_ms(start);
    return std::move(r);
  };

  boost::system::error_code addr_ec;
  const auto address = asio::ip::make_address(q.address, addr_ec);
  if (addr_ec) {
    fail(r, FetchStep::kConnect, "error", "not an IP address: " + q.address);
    co_return finish();
  }
  asio::ip::tcp::socket socket(executor);
  {
    asio::steady_timer timer(executor, step_end(q.timeouts.overall, q.timeouts.connect));
    auto res = co_await (socket.async_connect({address, q.port}, kUse) || timer.async_wait(kUse));
    if (res.index() == 1) {
      fail(r, FetchStep::kConnect, "timeout", "no answer to the connection attempt in time");
      co_return finish();
    }
    if (auto [ec] = std::get<0>(res); ec) {
      fail(r, FetchStep::kConnect, kind_of(ec), describe_ec(ec));
      co_return finish();
    }
  }
  r.connected = true;

  // RFC 8461 §3.3: HTTPS with TLS 1.2 or later. The certificate is judged after the handshake
  // (tls::verify_pkix), so that a bad one is described, not just refused.
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), q.host.c_str());
  {
    asio::steady_timer timer(executor, step_end(q.timeouts.overall, q.timeouts.tls_handshake));
    auto res = co_await (tls.async_handshake(asio::ssl::stream_base::client, kUse) ||
                         timer.async_wait(kUse));
    if (res.index() == 1) {
      fail(r, FetchStep::kTlsHandshake, "timeout", "the TLS handshake did not finish in time");
      co_return finish();
    }
    if (auto [ec] = std::get<0>(res); ec) {
      std::string detail = describe_ec(ec);
      if (std::string more = openssl_errors(); !more.empty()) detail += " (" + more + ")";
      fail(r, FetchStep::kTlsHandshake, kind_of(ec) == "error" ? "tls" : kind_of(ec), detail);
      co_return finish();
    }
  }
  r.tls_version = SSL_version(tls.native_handle());
  r.chain_der = peer_chain(tls.native_handle());

  // One deadline for writing the request and reading the whole reply.
  asio::steady_timer timer(executor, step_end(q.timeouts.overall, q.timeouts.response));
  http::request<http::empty_body> req{http::verb::get, q.path, 11};
  req.set(http::field::host, q.host);
  req.set(http::field::user_agent, "mailcheck");
  req.set(http::field::accept, "text/plain");
  req.set(http::field::connection, "close");
  {
    auto res = co_await (http::async_write(tls, req, kUse) || timer.async_wait(kUse));
    if (res.index() == 1) {
      fail(r, FetchStep::kRequest, "timeout", "the request could not be sent in time");
      co_return finish();
    }
    if (auto [ec, n] = std::get<0>(res); ec) {
      (void)n;
      fail(r, FetchStep::kRequest, kind_of(ec), describe_ec(ec));
      co_return finish();
    }
  }
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(q.max_body);
  {
    auto res = co_await (http::async_read(tls, buffer, parser, kUse) || timer.async_wait(kUse));
    if (res.index() == 1) {
      fail(r, FetchStep::kResponse, "timeout", "the whole response did not arrive in time");
    } else if (auto [ec, n] = std::get<0>(res); ec) {
      (void)n;
      if (ec == http::error::body_limit) {
        fail(r, FetchStep::kResponse, "too_large",
             "the body is larger than " + std::to_string(q.max_body) + " octets");
      } else if (ec.category() ==
                 boost::beast::http::make_error_code(http::error::end_of_stream).category()) {
        fail(r, FetchStep::kResponse, "protocol", "not a valid HTTP response: " + ec.message());
      } else {
        fail(r, FetchStep::kResponse, kind_of(ec), describe_ec(ec));
      }
    }
  }
  if (parser.is_header_done()) {
    const auto& msg = parser.get();
    r.status = static_cast<int>(msg.result_int());
    r.content_type = std::string(msg[http::field::content_type]);
    r.location = std::string(msg[http::field::location]);
    if (parser.is_done()) r.body = msg.body();
  }
  // Best effort: the policy has been read; the server may not bother closing cleanly.
  co_return finish();
}

}  // namespace mc::net
