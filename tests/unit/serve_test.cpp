// serve_test.cpp - the web checker: per-client rate limits, the pages' escaping, the input, the
// headers every answer carries, the router (HEAD starts no audit; a cancelled audit's clients get
// 503) on an event loop that never runs, and the event stream's heartbeat over loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <map>
#include <regex>

#include "serve/audit_service.hpp"
#include "serve/event_stream.hpp"
#include "serve/input.hpp"
#include "serve/pages.hpp"
#include "serve/rate_limit.hpp"
#include "serve/response.hpp"
#include "serve/router.hpp"

namespace mc::serve {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsTheBurstThenSaysHowLongToWait) {
  RateLimiter limiter(6, 3);  // 6 a minute: one every 10 s
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.take("a", t0));
  EXPECT_FALSE(limiter.take("a", t0));
  EXPECT_FALSE(limiter.take("a", t0));
  auto wait = limiter.take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10s);
  // Half a token later: 5 s still to wait.
  wait = limiter.take("a", t0 + 5s);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 5s);
  EXPECT_FALSE(limiter.take("a", t0 + 10s));
  EXPECT_TRUE(limiter.take("a", t0 + 10s));
}

TEST(RateLimiter, ClientsHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 1);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.take("192.0.2.1", t0));
  EXPECT_TRUE(limiter.take("192.0.2.1", t0));
  EXPECT_FALSE(limiter.take("192.0.2.2", t0));
}

TEST(RateLimiter, RefillStopsAtTheBurst) {
  RateLimiter limiter(60, 2);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.take("a", t0));
  // An hour idle refills to 2, not to 3600.
  const auto t1 = t0 + 1h;
  EXPECT_FALSE(limiter.take("a", t1));
  EXPECT_FALSE(limiter.take("a", t1));
  EXPECT_TRUE(limiter.take("a", t1));
}

TEST(RateLimiter, ForgetsClientsWhoseBucketsAreFullAgain) {
  RateLimiter limiter(60, 2);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) limiter.take("client-" + std::to_string(i), t0);
  EXPECT_EQ(limiter.clients(), 100u);
  limiter.take("late", t0 + 5min);
  EXPECT_EQ(limiter.clients(), 1u);
}

TEST(RateLimiter, ZeroRateNeverRefills) {
  RateLimiter limiter(0, 1);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.take("a", t0));
  auto wait = limiter.take("a", t0 + 24h);
  ASSERT_TRUE(wait);
  EXPECT_GE(*wait, 60s);
}

TEST(RateLimiter, PeekSpendsNothing) {
  RateLimiter limiter(0, 1);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.peek("a", t0));
  EXPECT_FALSE(limiter.peek("a", t0));
  EXPECT_FALSE(limiter.take("a", t0));  // the one token is still there
  EXPECT_TRUE(limiter.peek("a", t0));
  EXPECT_TRUE(limiter.take("a", t0));
}

TEST(Pages, EscapeWhatTheUserTyped) {
  const std::string evil = "\"><script>alert(1)</script>";
  const std::string page = home_page(evil, "bad: " + evil);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  const std::string msg = message_page("<b>t</b>", evil);
  EXPECT_EQ(msg.find("<script>alert"), std::string::npos);
  EXPECT_EQ(msg.find("<b>t</b>"), std::string::npos);
}

TEST(Pages, HaveNoInlineScriptOrStyle) {
  // The CSP allows scripts and styles from the server's own files only.
  for (const std::string& page :
       {home_page(), pending_page("example.co.nz", "example.co.nz"), message_page("t", "m")}) {
    EXPECT_EQ(page.find("<style"), std::string::npos);
    EXPECT_EQ(page.find(" style="), std::string::npos);
    EXPECT_EQ(page.find("<script>"), std::string::npos);
    EXPECT_FALSE(std::regex_search(page, std::regex(" on[a-z]+="))) << "no inline event handlers";
  }
  EXPECT_EQ(std::string(kContentSecurityPolicy).find("unsafe"), std::string::npos);
}

TEST(Pages, PendingPageHasAPlaceholderPerAreaAndEncodesTheDomain) {
  const std::string page = pending_page("xn--mller-kva.co.nz", "müller.co.nz");
  for (std::size_t i = 0; i < kAreaCount; ++i) {
    const std::string id = std::string(to_string(static_cast<Area>(i)));
    EXPECT_NE(page.find("<section id=\"" + id + "\" class=\"pending\""), std::string::npos) << id;
  }
  EXPECT_NE(page.find("data-domain=\"xn--mller-kva.co.nz\""), std::string::npos);
  EXPECT_NE(page.find("müller.co.nz"), std::string::npos);
}

TEST(Pages, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("a.b-c_d~e"), "a.b-c_d~e");
  EXPECT_EQ(url_encode("a&b=c d"), "a%26b%3Dc%20d");
  EXPECT_EQ(url_encode("ü"), "%C3%BC");
}

TEST(Input, WhatPeoplePasteBecomesTheDomain) {
  EXPECT_EQ(normalise_domain_input("  Example.CO.NZ \t"), "Example.CO.NZ");
  EXPECT_EQ(normalise_domain_input("postmaster@example.co.nz"), "example.co.nz");
  EXPECT_EQ(normalise_domain_input("MAILTO:a@b@example.nz"), "example.nz");
  EXPECT_EQ(normalise_domain_input("https://example.co.nz/contact?x=1"), "example.co.nz");
  EXPECT_EQ(normalise_domain_input("http://example.nz#top"), "example.nz");
  EXPECT_EQ(normalise_domain_input("müller.co.nz"), "müller.co.nz");
  EXPECT_EQ(normalise_domain_input(""), "");
  EXPECT_EQ(normalise_domain_input("https://"), "");
}

TEST(Input, ForwardedForIsBelievedOnlyFromATrustedProxy) {
  const std::vector<std::string> trusted = {"127.0.0.1", "10.0.0.2"};
  // Not a proxy of ours: the header is whatever the client wrote.
  EXPECT_EQ(client_address("198.51.100.7", "203.0.113.5", trusted), "198.51.100.7");
  // Our proxy appended the client it saw.
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.5", trusted), "203.0.113.5");
  // The client's own claim on the left is skipped; the hop before our proxies counts.
  EXPECT_EQ(client_address("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.0.0.2", trusted), "203.0.113.5");
  // Garbage: keep the last hop we can vouch for.
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.5, <script>", trusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "", trusted), "127.0.0.1");
  // IPv4-mapped addresses are the IPv4 address they carry.
  EXPECT_EQ(client_address("::ffff:127.0.0.1", "::ffff:203.0.113.9", trusted), "203.0.113.9");
  EXPECT_EQ(canonical_address("2001:DB8::1"), "2001:db8::1");
  // Limits count an IPv6 client by its /64.
  EXPECT_EQ(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(canonical_address("example.nz"), "");
}

// header_map - a message's header fields, by lower-case name.
std::map<std::string, std::string> header_map(const http::response<http::string_body>& m) {
  std::map<std::string, std::string> out;
  for (const auto& f : m) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = std::string(f.value());
  }
  return out;
}

TEST(Response, TheEventStreamCarriesEveryHeaderAJsonAnswerCarries) {
  const auto json =
      header_map(to_message(json_error(http::status::bad_request, "code", "message"), 11, true));
  const auto stream = header_map(to_message(event_stream_response(), 11, false));
  for (const char* name : {"content-security-policy", "x-content-type-options", "x-frame-options",
                           "referrer-policy", "cross-origin-opener-policy", "cache-control"}) {
    ASSERT_TRUE(json.count(name)) << name;
  }
  for (const auto& [name, value] : json) {
    if (name == "content-type" || name == "content-length") continue;
    EXPECT_EQ(stream.count(name) ? stream.at(name) : "(none)", value) << name;
  }
  EXPECT_EQ(stream.at("content-type"), "text/event-stream");
  EXPECT_EQ(stream.count("content-length"), 0u) << "a stream ends with its connection";
  EXPECT_EQ(stream.at("connection"), "close");
}

// A router on an event loop that never runs: an audit it starts is counted, never run.
struct RouterTest : ::testing::Test {
  RouterTest() : service(io.get_executor(), config()), router(service, [] { return 1u; }) {}
  static ServiceConfig config() {
    ServiceConfig c;
    c.audits_per_minute = 0;  // one fresh audit per client, ever
    c.audit_burst = 1;
    return c;
  }
  Routed route(http::verb method, const std::string& target) {
    http::request<http::empty_body> msg{method, target, 11};
    return router.route(parse_request(msg), "192.0.2.1");
  }
  boost::asio::io_context io;
  AuditService service;
  Router router;
};

TEST_F(RouterTest, HeadOnAnAuditRouteStartsNoAuditAndSpendsNoToken) {
  const std::map<std::string, std::string> type = {
      {"/check?domain=example.nz", "text/html; charset=utf-8"},
      {"/check?wait=1&domain=example.nz", "text/html; charset=utf-8"},
      {"/api/v1/check?domain=example.nz", "application/json"},
      {"/api/v1/events?domain=example.nz", "text/event-stream"}};
  for (const auto& [target, content_type] : type) {
    Routed r = route(http::verb::head, target);
    EXPECT_EQ(r.response.status, http::status::ok) << target;
    EXPECT_EQ(r.response.content_type, content_type) << target;
    EXPECT_FALSE(r.wait_for) << target;
    EXPECT_FALSE(r.stream) << target;
    EXPECT_EQ(r.cache, "-") << target;
  }
  EXPECT_EQ(service.audits_started(), 0u);
  EXPECT_EQ(route(http::verb::head, "/api/v1/check?domain=a..b").response.status,
            http::status::bad_request);
  // The client's one token is still there: GET starts the audit.
  Routed get = route(http::verb::get, "/api/v1/check?domain=example.nz");
  EXPECT_TRUE(get.wait_for);
  EXPECT_EQ(get.cache, "miss");
  EXPECT_EQ(service.audits_started(), 1u);
  // Joining: HEAD has the headers at once and does not wait.
  Routed joined = route(http::verb::head, "/api/v1/check?domain=example.nz");
  EXPECT_FALSE(joined.wait_for);
  EXPECT_EQ(joined.cache, "joined");
  EXPECT_FALSE(joined.response.length_known);
  // No token is left: HEAD says what GET would (429), and still starts nothing.
  Routed refused = route(http::verb::head, "/api/v1/check?domain=example.co.nz");
  EXPECT_EQ(refused.response.status, http::status::too_many_requests);
  EXPECT_EQ(service.audits_started(), 1u);
}

TEST_F(RouterTest, AClientWaitingOnACancelledAuditIsToldToComeBack) {
  Routed api = route(http::verb::get, "/api/v1/check?domain=example.nz");
  ASSERT_TRUE(api.wait_for);
  Routed page = route(http::verb::get, "/check?wait=1&domain=example.nz");
  ASSERT_TRUE(page.wait_for);
  service.stop_starting();
  EXPECT_EQ(service.cancel_running(), 1u);
  ASSERT_TRUE(api.wait_for->done);
  for (const Routed* r : {&api, &page}) {
    const Response answer = Router::finished(*r);
    EXPECT_EQ(answer.status, http::status::service_unavailable);
    auto retry = std::find_if(answer.headers.begin(), answer.headers.end(),
                              [](const auto& h) { return h.first == "Retry-After"; });
    ASSERT_NE(retry, answer.headers.end());
    EXPECT_GE(std::stoi(retry->second), 1);
  }
  EXPECT_NE(Router::finished(api).body.find("\"stopping\""), std::string::npos);
  EXPECT_EQ(end_event_text(*api.wait_for, "").rfind("event: failed\n", 0), 0u);
}

// read_stream - what the server side sends, until it shuts its side; ends the job (which never
// ran) once two heartbeats have come.
boost::asio::awaitable<void> read_stream(boost::asio::ip::tcp::socket& client, std::string& got,
                                         std::shared_ptr<Job> job) {
  std::array<char, 4096> buf{};
  for (;;) {
    auto [ec, n] = co_await client.async_read_some(
        boost::asio::buffer(buf), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;
    got.append(buf.data(), n);
    std::size_t beats = 0;
    for (auto at = got.find(kHeartbeat); at != std::string::npos;
         at = got.find(kHeartbeat, at + 1)) {
      ++beats;
    }
    if (beats >= 2 && !job->done) {
      job->error = "ended by the test";
      job->done = true;
      job->notify();
    }
  }
}

TEST(EventStream, BeatsWhileTheAuditRunsThenEnds) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  boost::beast::tcp_stream server(acceptor.accept());
  auto job = std::make_shared<Job>(io.get_executor(), "example.nz");
  std::string got;
  std::size_t streamed = 0;
  asio::co_spawn(io, send_event_stream(server, 11, job, "", std::chrono::milliseconds(20)),
                 [&](std::exception_ptr e, std::size_t n) {
                   EXPECT_FALSE(e);
                   streamed = n;
                 });
  asio::co_spawn(io, read_stream(client, got, job), asio::detached);
  io.run_for(std::chrono::seconds(20));
  ASSERT_TRUE(job->done) << got;
  const auto body = got.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(got.find("X-Frame-Options: DENY\r\n"), std::string::npos);
  EXPECT_EQ(got.substr(body + 4, kHeartbeat.size()), kHeartbeat);
  EXPECT_NE(got.find("event: failed\ndata: {\"error\":\"ended by the test\"}\n\n"),
            std::string::npos);
  EXPECT_EQ(streamed, got.size() - body - 4);
}

}  // namespace
}  // namespace mc::serve
