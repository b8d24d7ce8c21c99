// resolver.hpp - asynchronous, DNSSEC-validating DNS lookups on the Boost.Asio event loop.
//
// Resolver wraps one libunbound context (ub_ctx, owned, freed in the destructor). Lookups run on
// libunbound's worker thread; its result pipe (ub_fd) is watched by the io_context, and ub_process
// delivers results on the loop thread, so a coroutine can co_await query() and many run at once.
//
// DNSSEC is validated locally against a trust anchor (RFC 4035 §4.9.3, RFC 6698 §8.3): never on
// an upstream AD bit. With forwarders, libunbound asks with CD=1 after a failure, so a forwarder's
// SERVFAIL for bogus data still reaches our validator and its reason (RFC 6840 §5.9).
//
// Deadlines: every query has its own timeout, capped by an overall deadline (set_deadline); a query
// that runs past it is cancelled (ub_cancel) and answers Outcome::kTimeout.
//
// Sharing: a long-lived caller (the survey scanner) creates one Resolver per thread and gives
// every audit a handle() of it: the handles share the libunbound context (its cache, so DNSKEY and
// DS of a zone are fetched and validated once per run, not once per domain) and each has its own
// deadline and lookup count. A context lives as long as its last handle or lookup.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/report_model.hpp"
#include "core/result.hpp"
#include "dns/answer.hpp"

struct ub_ctx;
struct ub_result;

namespace mc::dns {

inline constexpr const char* kDefaultTrustAnchor = "/usr/share/dns/root.key";

struct ResolverConfig {
  // "IP" or "IP@PORT": forward to these recursors (still validating locally). The word "system"
  // forwards to the name servers in /etc/resolv.conf. Empty: full recursion from the root.
  std::vector<std::string> forwarders;
  std::string trust_anchor_file = kDefaultTrustAnchor;  // zone-file DS or DNSKEY lines
  std::chrono::milliseconds query_timeout{10000};
  // SSRF guard of a public service: never send a query to a name server whose address is not
  // globally routable (private, loopback, link-local, CGNAT, ...), whatever the delegations say.
  // Forwarders the operator configured are still used.
  bool public_only = false;
  // Cache bounds for a long-lived context (0: libunbound's defaults, 4 MB message and rrset
  // caches). cache_max_ttl caps how long any answer is reused, whatever its TTL says.
  std::size_t cache_bytes = 0;
  std::chrono::seconds cache_max_ttl{0};
};

// validate_forwarder - check "IP[@PORT]" syntax; the error says what is wrong.
Result<void> validate_forwarder(const std::string& spec);
// validate_trust_anchor_file - readable, and holds at least one DS or DNSKEY record and nothing
// else.
Result<void> validate_trust_anchor_file(const std::string& path);

class Resolver {
 public:
  static Result<std::unique_ptr<Resolver>> create(boost::asio::any_io_executor executor,
                                                  const ResolverConfig& config);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // handle - another Resolver on the same context and cache, with no deadline and its own count.
  // Use it on this Resolver's executor (one context validates on one thread).
  std::unique_ptr<Resolver> handle() const;

  // query - look up (name, type, class IN). Never throws for DNS failures: see Answer::outcome.
  boost::asio::awaitable<Answer> query(std::string name, std::uint16_t type);

  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  ResolverSummary summary() const;
  // lookups - how many lookups this handle asked for (answered from the cache or not).
  std::size_t lookups() const { return lookups_; }

 private:
  struct Context;
  struct Pending;
  explicit Resolver(std::shared_ptr<Context> context) : context_(std::move(context)) {}
  static void on_result(void* arg, int err, ub_result* result);

  std::shared_ptr<Context> context_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::size_t lookups_ = 0;
};

// answer_from_result - turn a libunbound result into an Answer (exposed for tests).
Answer answer_from_result(std::string qname, std::uint16_t qtype, int err, const ub_result* result);

}  // namespace mc::dns
