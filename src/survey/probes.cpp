// probes.cpp - see probes.hpp.
#include "survey/probes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace mc::survey {
namespace {

using Clock = std::chrono::steady_clock;

std::string key_of(const net::ProbeTarget& t) {
  return fmt::format("{}\n{}\n{}\n{}\n{}", t.host, t.address, t.port, static_cast<int>(t.mode),
                     t.ehlo_name);
}

// judged - the shared observation as this target's probe: its own TLSA verdict.
net::ProbeResult judged(const net::ProbeResult& observed, net::ProbeTarget target) {
  net::ProbeResult r = observed;
  if (r.tls) r.tls->dane = net::verify_dane(r.tls->chain_der, target);
  r.target = std::move(target);
  return r;
}

net::ProbeResult no_turn(net::ProbeTarget target, std::size_t per_ip) {
  net::ProbeResult r;
  r.failure = net::ProbeFailure{
      net::ProbeStep::kConnect, "timeout",
      fmt::format("no turn to connect to {} before the audit's deadline: this scan's other audits "
                  "were using it (at most {} connection{} at a time per address)",
                  target.address, per_ip, per_ip == 1 ? "" : "s")};
  r.target = std::move(target);
  return r;
}

}  // namespace

bool transient_probe(const net::ProbeResult& r) {
  return (r.greeting && r.greeting->kind() == 4) || (r.failure && r.failure->kind == "timeout");
}

checks::Prober SharedProbes::prober() {
  return [this](net::ProbeTarget t, net::SmtpTimeouts to) { return probe(std::move(t), to); };
}

asio::awaitable<net::ProbeResult> SharedProbes::probe(net::ProbeTarget target,
                                                      net::SmtpTimeouts timeouts) {
  const std::string key = key_of(target);
  if (auto it = observations_.find(key); it != observations_.end()) {
    const std::shared_ptr<Observation> o = it->second;  // alive while this audit waits
    if (!o->result) co_await o->ready.async_wait(asio::as_tuple(asio::use_awaitable));
    ++reused_;
    co_return judged(*o->result, std::move(target));
  }
  auto o = std::make_shared<Observation>(executor_);
  observations_.emplace(key, o);
  // Observed without TLSA: the verdict is each domain's own (judged), this one's included.
  net::ProbeTarget bare = target;
  bare.tlsa.clear();
  bare.extra_names.clear();
  o->result = co_await connect(std::move(bare), timeouts);
  o->ready.cancel();  // wakes every audit that waited for this observation
  if (transient_probe(*o->result)) {
    observations_.erase(key);  // the next audit asks again
  } else {
    keep(key);
  }
  co_return judged(*o->result, std::move(target));
}

void SharedProbes::keep(const std::string& key) {
  kept_order_.push_back(key);
  while (kept_order_.size() > max_kept_) {
    observations_.erase(kept_order_.front());
    kept_order_.pop_front();
  }
}

asio::awaitable<net::ProbeResult> SharedProbes::connect(net::ProbeTarget target,
                                                        net::SmtpTimeouts timeouts) {
  Address& a = addresses_[target.address];  // std::map: the reference stays valid
  const std::size_t per_ip = std::max<std::size_t>(1, politeness_.per_ip);
  while (a.active >= per_ip) {
    auto turn = std::make_shared<asio::steady_timer>(executor_, timeouts.overall);
    a.waiting.push_back(turn);
    auto [ec] = co_await turn->async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) {  // the deadline, not a turn
      std::erase(a.waiting, turn);
      co_return no_turn(std::move(target), per_ip);
    }
  }
  ++a.active;
  const auto now = Clock::now();
  const auto start = std::max(now, a.next_start);
  a.next_start = start + politeness_.interval;
  auto release = [&a] {
    --a.active;
    if (!a.waiting.empty()) {
      a.waiting.front()->cancel();
      a.waiting.pop_front();
    }
  };
  if (start >= timeouts.overall) {
    release();
    if (a.refusal && now < a.backoff_until) {  // the server's last word, not asked again yet
      net::ProbeResult r = *a.refusal;
      r.target = std::move(target);
      co_return r;
    }
    co_return no_turn(std::move(target), per_ip);
  }
  if (start > now) {
    asio::steady_timer wait(executor_, start);
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  net::ProbeResult r = co_await net::probe_smtp(std::move(target), timeouts);
  ++connections_;
  if (r.greeting && r.greeting->kind() == 4) {
    a.backoff_until = Clock::now() + politeness_.backoff;
    a.next_start = std::max(a.next_start, a.backoff_until);
    a.refusal = r;
  }
  release();
  co_return r;
}

}  // namespace mc::survey
