// event_stream.hpp - /api/v1/events: one domain's audit as server-sent events (HTML Living
// Standard §9.2, text/event-stream), so the result page fills in as each check is decided.
//
// Exports: event_stream_response(), the Response whose headers open every stream (also HEAD's
// answer, so both carry what every other response carries: response.hpp); send_event_stream(),
// which writes those headers, an "area" event per decided area (a joined or cached job replays
// what is known at once), a comment line (kHeartbeat) every heartbeat interval while the audit
// runs, so that proxies do not cut a quiet stream, then "done" or "failed", and returns the bytes
// of events written; area_event_text() and end_event_text(), the events' text.
// Ownership: the stream is the caller's and outlives the call; the job is shared with the audit
// and its other readers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "serve/audit_service.hpp"
#include "serve/response.hpp"

namespace mc::serve {

// A comment line: EventSource ignores it (HTML §9.2.6), and a proxy sees traffic; §9.2.7 advises
// one every 15 s or so, since some proxies drop connections that are quiet for long.
inline constexpr std::string_view kHeartbeat = ": heartbeat\n\n";

Response event_stream_response();

// send_event_stream - the whole stream for job, then the sending side of the connection is shut.
boost::asio::awaitable<std::size_t> send_event_stream(boost::beast::tcp_stream& stream,
                                                      unsigned version, std::shared_ptr<Job> job,
                                                      std::string profile,
                                                      std::chrono::milliseconds heartbeat);

std::string area_event_text(const AreaReport& a);
// end_event_text - "done" with the overview (judged against profile, "" for none), or "failed"
// with the reason the job has no report (an audit that could not run, or one cancelled at
// shutdown).
std::string end_event_text(const Job& job, const std::string& profile);

}  // namespace mc::serve
