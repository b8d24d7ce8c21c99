// event_stream.cpp - see event_stream.hpp.
#include "serve/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "audit/profile.hpp"
#include "report/render.hpp"

namespace mc::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// send_text - one piece of the stream within the write timeout; false when the client is gone.
asio::awaitable<bool> send_text(beast::tcp_stream& stream, const std::string& text,
                                std::size_t& bytes) {
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), kTuple);
  bytes += n;
  co_return !ec;
}

}  // namespace

Response event_stream_response() {
  Response r;
  r.content_type = "text/event-stream";
  r.length_known = false;  // it ends with the connection
  // nginx buffers what it proxies unless told not to; events must pass on as they come.
  r.headers.emplace_back("X-Accel-Buffering", "no");
  return r;
}

std::string area_event_text(const AreaReport& a) {
  nlohmann::json data{{"area", to_string(a.area)},
                      {"status", to_string(a.status)},
                      {"summary", a.summary},
                      {"html", report::render_html_area(a)}};
  return "event: area\ndata: " + json_text(data) + "\n\n";
}

std::string end_event_text(const Job& job, const std::string& profile) {
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

asio::awaitable<std::size_t> send_event_stream(beast::tcp_stream& stream, unsigned version,
                                               std::shared_ptr<Job> job, std::string profile,
                                               std::chrono::milliseconds heartbeat) {
  // GCC 12 mishandles temporaries inside co_await expressions: every operand below is named.
  http::response<http::string_body> head = to_message(event_stream_response(), version, false);
  http::response_serializer<http::string_body> serializer(head);
  stream.expires_after(kWriteTimeout);
  auto [head_ec, head_bytes] = co_await http::async_write_header(stream, serializer, kTuple);
  (void)head_bytes;
  const std::string beat_text(kHeartbeat);
  asio::steady_timer beat(stream.get_executor());
  Clock::time_point next_beat = Clock::now() + heartbeat;
  std::size_t bytes = 0, sent = 0;
  bool ok = !head_ec;
  while (ok) {
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
    // A fixed cadence whatever the events: a proxy's idle timer never sees a quiet interval.
    beat.expires_at(next_beat);
    auto woke = co_await (job->wait_change() || beat.async_wait(kTuple));
    if (woke.index() == 1) {
      ok = co_await send_text(stream, beat_text, bytes);
      next_beat += heartbeat;
      if (next_beat <= Clock::now()) next_beat = Clock::now() + heartbeat;  // behind: no burst
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  co_return bytes;
}

}  // namespace mc::serve
