// probes.hpp - the survey scanner's SMTP probes: one connection per (MX host, address, port) for
// the whole run, made politely, and judged for each recipient domain.
//
// A hosting provider's MX that serves 50,000 domains of a list is connected to once: what is
// shared is the observation (the SMTP dialogue, the TLS parameters, the chain). The DANE verdict
// is computed for each domain from the captured chain (net::verify_dane), because its TLSA
// records and its DANE-TA reference identifiers (the recipient domain, RFC 7672 §3.2.2) differ.
// A result that may be transient (a 4xx greeting, a timeout) is handed to the audits that
// waited for it but not kept, so a later audit (or the retry) connects again.
//
// Politeness, per destination address: at most per_ip connections at once, at least interval
// between the starts of two, and after a 4xx greeting (RFC 5321 §4.2.5: 421 "service not
// available") no new connection for backoff: an audit that cannot wait until then gets that
// greeting as its own probe result. Waiting for a turn is bounded by the audit's deadline
// (timeouts.overall); a probe that got no turn in time is a connect timeout that says so.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "checks/transport.hpp"
#include "net/smtp_probe.hpp"

namespace mc::survey {

struct Politeness {
  std::size_t per_ip = 1;
  std::chrono::milliseconds interval{200};
  std::chrono::seconds backoff{60};  // after a 4xx greeting
};

class SharedProbes {
 public:
  SharedProbes(boost::asio::any_io_executor executor, Politeness politeness,
               std::size_t max_kept = 200000)
      : executor_(std::move(executor)), politeness_(politeness), max_kept_(max_kept) {}
  SharedProbes(const SharedProbes&) = delete;
  SharedProbes& operator=(const SharedProbes&) = delete;

  // probe - the observation of (target.host, address, port, mode, EHLO name), made now or
  // earlier in the run, with target's own TLSA verdict.
  boost::asio::awaitable<net::ProbeResult> probe(net::ProbeTarget target,
                                                 net::SmtpTimeouts timeouts);
  // prober - probe() as collect_transport takes it; this object must outlive the audits.
  checks::Prober prober();

  std::size_t connections() const { return connections_; }  // connections made
  std::size_t reused() const { return reused_; }            // answered from an observation

 private:
  struct Observation {
    explicit Observation(const boost::asio::any_io_executor& ex)
        : ready(ex, std::chrono::steady_clock::time_point::max()) {}
    std::optional<net::ProbeResult> result;
    boost::asio::steady_timer ready;  // cancelled when the result is in
  };
  struct Address {
    std::size_t active = 0;
    std::chrono::steady_clock::time_point next_start{};
    // After a 4xx greeting: no connection before backoff_until; an audit that cannot wait that
    // long gets what the server said then (it is the server's answer, not a failure of ours).
    std::chrono::steady_clock::time_point backoff_until{};
    std::optional<net::ProbeResult> refusal;
    std::deque<std::shared_ptr<boost::asio::steady_timer>> waiting;  // for a free slot, in order
  };
  boost::asio::awaitable<net::ProbeResult> connect(net::ProbeTarget target,
                                                   net::SmtpTimeouts timeouts);
  void keep(const std::string& key);  // bounded: the oldest observations go first

  boost::asio::any_io_executor executor_;
  Politeness politeness_;
  std::size_t max_kept_;
  std::map<std::string, std::shared_ptr<Observation>> observations_;
  std::deque<std::string> kept_order_;  // oldest first, to bound what is kept
  std::map<std::string, Address> addresses_;
  std::size_t connections_ = 0;
  std::size_t reused_ = 0;
};

// transient_probe - a result that may differ if asked again soon: a 4xx greeting or a timeout.
bool transient_probe(const net::ProbeResult& r);

}  // namespace mc::survey
