// https_fetch.hpp - one HTTPS GET the way an MTA-STS sender fetches a policy (RFC 8461 §3.3).
//
// fetch_https(request): connect to request.address, TLS 1.2 or later with SNI = request.host,
// GET request.path with Host = request.host, read the response with Boost.Beast. Nothing is
// followed (a redirect is reported, not chased), the body is capped at request.max_body, and each
// step has a deadline (the response one is a total, so a server that drips its body times out).
// The certificate chain is captured and judged by the caller (tls::verify_pkix), so a bad
// certificate is described rather than just refused. Failures are values, never exceptions.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mc::net {

struct HttpsTimeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds tls_handshake{10000};
  std::chrono::milliseconds response{15000};  // writing the request and reading all of the reply
  // No step runs past this (the audit's own deadline), whatever the durations above say.
  std::chrono::steady_clock::time_point overall = std::chrono::steady_clock::time_point::max();
};

struct HttpsRequest {
  std::string host;     // SNI and Host header
  std::string address;  // IPv4 or IPv6 literal
  std::uint16_t port = 443;
  std::string path = "/";
  std::size_t max_body = 64 * 1024;  // RFC 8461 §3.3 lets senders limit policies to 64 KiB
  HttpsTimeouts timeouts;
};

enum class FetchStep { kConnect, kTlsHandshake, kRequest, kResponse };
std::string_view to_string(FetchStep step);

struct FetchFailure {
  FetchStep step = FetchStep::kConnect;
  std::string kind;  // "timeout", "refused", "reset", "unreachable", "tls", "too_large",
                     // "protocol", "error"
  std::string detail;
};

struct HttpsResponse {
  HttpsRequest request;
  bool connected = false;
  int tls_version = 0;                 // OpenSSL protocol number (SSL_version), e.g. TLS1_3_VERSION
  std::vector<std::string> chain_der;  // as sent, leaf first
  int status = 0;                      // HTTP status code, 0 when no response was read
  std::string content_type;
  std::string location;  // for redirects
  std::string body;
  std::optional<FetchFailure> failure;
  double elapsed_ms = 0;
};

boost::asio::awaitable<HttpsResponse> fetch_https(HttpsRequest request);

}  // namespace mc::net
