// response.cpp - see response.hpp.
#include "serve/response.hpp"

#include "serve/pages.hpp"

namespace mc::serve {

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

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

http::response<http::string_body> to_message(Response r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{r.status, version};
  res.set(http::field::server, "mailcheck");
  res.set(http::field::content_type, r.content_type);
  // The same on every answer, the event stream's included: a header missing on one route is a
  // hole in all of them (an event stream framed by another site can still be read by it).
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set(http::field::cache_control, r.cacheable ? "public, max-age=3600" : "no-store");
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  // RFC 9110 §9.3.2: a HEAD answer may omit what only making the body would tell; a stream's
  // length is never known, and its end is the connection's.
  if (r.length_known) res.prepare_payload();
  return res;
}

}  // namespace mc::serve
