// response.hpp - what the web checker answers with, and the headers every answer carries.
//
// Exports: Request (what a route reads from a request), Response (status, type, body, extra
// headers), the builders json_error() and html(), json_text() (JSON that never throws on text
// that is not UTF-8), and to_message(): the one place a Response becomes an HTTP message, so
// every answer (pages, JSON, assets, refusals and the event stream) carries the same security
// headers (docs/serve.md).
// Ownership: plain values; nothing here does I/O.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::serve {

namespace http = boost::beast::http;

// How long the server waits for one write to a client before giving up on it.
inline constexpr std::chrono::seconds kWriteTimeout{30};

struct Response {
  http::status status = http::status::ok;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cache = "-";   // for the access log
  bool cacheable = false;    // static assets
  bool length_known = true;  // false: HEAD of a body not made, or a stream (no Content-Length)
};

struct Request {
  http::verb method = http::verb::get;
  std::string path;
  std::map<std::string, std::string> query;  // first value of each key
  bool keep_alive = true;
  unsigned version = 11;
  std::string forwarded_for;        // X-Forwarded-For, believed only from a trusted proxy
  std::optional<Response> refusal;  // the request cannot be served: this is the answer
};

// json_text - compact JSON; text from DNS or a server may not be UTF-8: replaced, never thrown.
std::string json_text(const nlohmann::json& j);

// json_error - {"error":{"code","message"}}, the API's form of every refusal.
Response json_error(http::status status, std::string_view code, std::string_view message);

// html - a page with this status.
Response html(http::status status, std::string body);

// to_message - the HTTP message for r: status, Server, Content-Type, the security headers,
// Cache-Control, r.headers, keep-alive; Content-Length from the body unless !r.length_known.
http::response<http::string_body> to_message(Response r, unsigned version, bool keep_alive);

}  // namespace mc::serve
