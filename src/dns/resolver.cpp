// resolver.cpp - libunbound on the asio loop; see resolver.hpp.
#include "dns/resolver.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <ldns/ldns.h>
#include <unbound.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <fstream>

#include "core/address_class.hpp"
#include "core/clock.hpp"
#include "core/domain_name.hpp"
#include "dns/wire.hpp"

namespace asio = boost::asio;

namespace mc::dns {

// Context - one libunbound context and the watch on its result pipe, shared by every handle.
struct Resolver::Context : std::enable_shared_from_this<Context> {
  Context(asio::any_io_executor ex, ub_ctx* c, ResolverConfig cfg)
      : executor(std::move(ex)),
        ctx(c, &ub_ctx_delete),
        fd(executor, ::dup(ub_fd(c))),
        config(std::move(cfg)) {}
  void watch_fd();
  void finish_one();

  asio::any_io_executor executor;
  std::unique_ptr<ub_ctx, void (*)(ub_ctx*)> ctx;
  asio::posix::stream_descriptor fd;
  ResolverConfig config;
  std::size_t in_flight = 0;
  bool watching = false;
};

// Pending - one lookup in flight. Owned by the query's coroutine frame; if that frame goes away
// before the answer (a cancelled or destroyed coroutine), the destructor cancels the lookup so no
// callback can reach freed memory, and keeps the in-flight count right. It holds the context, so
// a lookup outlives neither.
struct Resolver::Pending {
  explicit Pending(std::shared_ptr<Context> c) : context(std::move(c)), timer(context->executor) {}
  ~Pending() {
    if (registered) {
      // ub_cancel fails only when the callback already ran (done is then true).
      if (!done) (void)ub_cancel(context->ctx.get(), async_id);
      context->finish_one();
    }
    if (result != nullptr) ub_resolve_free(result);
  }
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;

  std::shared_ptr<Context> context;
  asio::steady_timer timer;
  int async_id = 0;
  bool registered = false;
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
};

Result<void> validate_forwarder(const std::string& spec) {
  if (spec == "system") return {};
  std::string ip = spec;
  if (auto at = spec.rfind('@'); at != std::string::npos) {
    ip = spec.substr(0, at);
    const std::string port = spec.substr(at + 1);
    unsigned long value = 0;
    bool ok = !port.empty() && port.size() <= 5 &&
              port.find_first_not_of("0123456789") == std::string::npos;
    if (ok) value = std::stoul(port);
    if (!ok || value == 0 || value > 65535) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("resolver '{}' has an invalid port; use IP or IP@PORT, e.g. "
                                    "127.0.0.1@5353",
                                    spec));
    }
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("resolver '{}' is not an IP address; use IP or IP@PORT (e.g. "
                                  "9.9.9.9 or ::1@53), or 'system'",
                                  spec));
  }
  return {};
}

Result<void> validate_trust_anchor_file(const std::string& path) {
  FILE* fp = std::fopen(path.c_str(), "r");
  if (fp == nullptr) {
    return make_error(ErrorKind::kNotFound,
                      fmt::format("cannot read trust anchor file '{}'; give a file of DS or DNSKEY "
                                  "records (Debian's dns-root-data ships {})",
                                  path, kDefaultTrustAnchor));
  }
  int anchors = 0;
  int line = 0;
  uint32_t default_ttl = 3600;
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  Result<void> outcome{};
  while (!std::feof(fp)) {
    ldns_rr* rr = nullptr;
    ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &default_ttl, &origin, &prev, &line);
    if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
        st == LDNS_STATUS_SYNTAX_ORIGIN || st == LDNS_STATUS_SYNTAX_INCLUDE) {
      continue;
    }
    if (st != LDNS_STATUS_OK) {
      if (std::feof(fp)) break;
      outcome = make_error(ErrorKind::kInvalidInput,
                           fmt::format("trust anchor file '{}' line {}: {}", path, line,
                                       ldns_get_errorstr_by_id(st)));
      break;
    }
    const auto type = ldns_rr_get_type(rr);
    ldns_rr_free(rr);
    if (type != LDNS_RR_TYPE_DS && type != LDNS_RR_TYPE_DNSKEY) {
      outcome = make_error(ErrorKind::kInvalidInput,
                           fmt::format("trust anchor file '{}' line {}: only DS and DNSKEY records "
                                       "may appear, found {}",
                                       path, line, type_name(static_cast<std::uint16_t>(type))));
      break;
    }
    ++anchors;
  }
  std::fclose(fp);
  if (origin) ldns_rdf_deep_free(origin);
  if (prev) ldns_rdf_deep_free(prev);
  if (!outcome) return outcome;
  if (anchors == 0) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("trust anchor file '{}' holds no DS or DNSKEY record", path));
  }
  return {};
}

namespace {

// set_cache_bounds - memory limits and a TTL cap for a long-lived context. The budget is split as
// unbound's own defaults are: rrset cache twice the message cache, the key cache a quarter.
Result<void> set_cache_bounds(ub_ctx* ctx, const ResolverConfig& config) {
  std::vector<std::pair<const char*, std::string>> options;
  if (config.cache_bytes > 0) {
    const std::size_t unit = std::max<std::size_t>(config.cache_bytes / 4, 64 * 1024);
    options.emplace_back("msg-cache-size:", std::to_string(unit));
    options.emplace_back("rrset-cache-size:", std::to_string(2 * unit));
    options.emplace_back("key-cache-size:", std::to_string(unit));
  }
  if (config.cache_max_ttl.count() > 0) {
    options.emplace_back("cache-max-ttl:", std::to_string(config.cache_max_ttl.count()));
    options.emplace_back("cache-max-negative-ttl:", std::to_string(config.cache_max_ttl.count()));
  }
  for (const auto& [name, value] : options) {
    if (const int rc = ub_ctx_set_option(ctx, name, value.c_str()); rc != 0) {
      return make_error(ErrorKind::kConfig, fmt::format("cannot set the resolver's {} {}: {}", name,
                                                        value, ub_strerror(rc)));
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Resolver>> Resolver::create(asio::any_io_executor executor,
                                                   const ResolverConfig& config) {
  for (const auto& f : config.forwarders) {
    if (auto ok = validate_forwarder(f); !ok) return tl::unexpected(ok.error());
  }
  if (auto ok = validate_trust_anchor_file(config.trust_anchor_file); !ok) {
    return tl::unexpected(ok.error());
  }
  ub_ctx* raw = ub_ctx_create();
  if (raw == nullptr)
    return make_error(ErrorKind::kInternal, "cannot create a DNS resolver context");
  std::unique_ptr<ub_ctx, void (*)(ub_ctx*)> ctx(raw, &ub_ctx_delete);
  auto check = [](int rc, std::string_view what) -> Result<void> {
    if (rc != 0) {
      return make_error(ErrorKind::kConfig, fmt::format("{}: {}", what, ub_strerror(rc)));
    }
    return {};
  };
  // Threads, not a forked process: the result pipe is read on our loop (ub_fd + ub_process).
  if (auto ok = check(ub_ctx_async(raw, 1), "cannot enable asynchronous lookups"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = check(ub_ctx_add_ta_file(raw, config.trust_anchor_file.c_str()),
                      "cannot load trust anchor");
      !ok) {
    return tl::unexpected(ok.error());
  }
  for (const auto& f : config.forwarders) {
    int rc = f == "system" ? ub_ctx_resolvconf(raw, nullptr) : ub_ctx_set_fwd(raw, f.c_str());
    if (auto ok = check(rc, fmt::format("cannot use resolver '{}'", f)); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // Forwarders on loopback (a local unbound, the lab) must be allowed.
  if (!config.forwarders.empty()) {
    if (auto ok = check(ub_ctx_set_option(raw, "do-not-query-localhost:", "no"),
                        "cannot allow loopback resolvers");
        !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // unbound answers the RFC 1918 / RFC 4193 reverse zones itself (NXDOMAIN) by default; an
  // auditor must see what the DNS says, e.g. for SPF ptr and %{p} on private addresses. Those
  // zones are unsigned by design, so they are insecure, not bogus.
  for (const char* opt : {"unblock-lan-zones:", "insecure-lan-zones:"}) {
    if (auto ok = check(ub_ctx_set_option(raw, opt, "yes"), "cannot unblock the LAN zones"); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // SSRF guard: in full recursion, delegations decide whom libunbound asks; a hostile zone could
  // point its NS records at internal hosts. (Forwarders are the operator's choice and stay.)
  if (config.public_only && config.forwarders.empty()) {
    for (const std::string& block : non_public_networks()) {
      if (auto ok = check(ub_ctx_set_option(raw, "do-not-query-address:", block.c_str()),
                          "cannot restrict name server addresses");
          !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  if (auto ok = set_cache_bounds(raw, config); !ok) return tl::unexpected(ok.error());
  // RFC 9715 / DNS flag day 2020: avoid IP fragmentation.
  (void)ub_ctx_set_option(raw, "edns-buffer-size:", "1232");
  // unbound keeps the full reason for a validation failure (signature expired, no DS matching a
  // DNSKEY, ...) only at val-log-level 2; the reports quote it.
  if (auto ok = check(ub_ctx_set_option(raw, "val-log-level:", "2"), "cannot keep DNSSEC reasons");
      !ok) {
    return tl::unexpected(ok.error());
  }
  auto context = std::make_shared<Context>(std::move(executor), ctx.release(), config);
  return std::unique_ptr<Resolver>(new Resolver(std::move(context)));
}

Resolver::~Resolver() = default;

std::unique_ptr<Resolver> Resolver::handle() const {
  return std::unique_ptr<Resolver>(new Resolver(context_));
}

ResolverSummary Resolver::summary() const {
  const ResolverConfig& config = context_->config;
  ResolverSummary s;
  s.mode = config.forwarders.empty() ? "recursive" : "forwarding";
  s.forwarders = config.forwarders;
  s.trust_anchor = config.trust_anchor_file;
  return s;
}

void Resolver::on_result(void* arg, int err, ub_result* result) {
  auto* p = static_cast<Pending*>(arg);
  p->done = true;
  p->err = err;
  p->result = result;
  p->timer.cancel();
}

void Resolver::Context::watch_fd() {
  if (watching || in_flight == 0) return;
  watching = true;
  // The wait may complete after the context is gone (the last handle and lookup ended while the
  // cancelled wait was still queued): the handler checks that it is alive.
  auto on_ready = [self = weak_from_this()](boost::system::error_code ec) {
    auto context = self.lock();
    if (!context) return;
    context->watching = false;
    if (!ec) ub_process(context->ctx.get());  // runs on_result for every finished lookup
    context->watch_fd();
  };
  // asio watches descriptors edge-triggered: a result that arrived while nothing was waiting (an
  // edge already consumed) would never wake a new wait, so look before waiting.
  if (ub_poll(ctx.get()) != 0) {
    asio::post(executor, [on_ready] { on_ready({}); });
    return;
  }
  fd.async_wait(asio::posix::stream_descriptor::wait_read, on_ready);
}

void Resolver::Context::finish_one() {
  // With nothing in flight, stop waiting so that io_context::run() can return.
  if (--in_flight == 0 && watching) fd.cancel();
}

asio::awaitable<Answer> Resolver::query(std::string name, std::uint16_t type) {
  const auto start = std::chrono::steady_clock::now();
  const std::string qname = normalize_dns_name(name);
  const auto expiry = std::min(start + context_->config.query_timeout, deadline_);
  if (expiry <= start) {
    Answer a;
    a.qname = qname;
    a.qtype = type;
    a.outcome = Outcome::kTimeout;
    a.error = "the audit deadline had passed before this lookup";
    co_return a;
  }
  auto pending = std::make_unique<Pending>(context_);
  pending->timer.expires_at(expiry);
  const std::string wire_name = qname == "." ? qname : qname + ".";
  int rc = ub_resolve_async(context_->ctx.get(), wire_name.c_str(), type, 1 /* IN */, pending.get(),
                            &Resolver::on_result, &pending->async_id);
  ++lookups_;
  if (rc != 0) co_return answer_from_result(qname, type, rc, nullptr);
  pending->registered = true;
  ++context_->in_flight;
  context_->watch_fd();
  co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  Answer answer;
  const double waited_ms = elapsed_ms(start);
  const double waited = waited_ms / 1000;
  if (!pending->done) {
    answer.qname = qname;
    answer.qtype = type;
    answer.outcome = Outcome::kTimeout;
    answer.error =
        expiry == deadline_
            ? fmt::format("the audit deadline (--timeout) ended the lookup after {:.1f} s", waited)
            : fmt::format("no answer within {:.1f} s", waited);
  } else {
    answer = answer_from_result(qname, type, pending->err, pending->result);
  }
  pending.reset();  // cancels the lookup if it is still running, frees the result
  answer.elapsed_ms = waited_ms;
  co_return answer;
}

Answer answer_from_result(std::string qname, std::uint16_t qtype, int err, const ub_result* r) {
  Answer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  if (err != 0 || r == nullptr) {
    a.outcome = Outcome::kError;
    a.error = fmt::format("resolver error: {}", ub_strerror(err));
    return a;
  }
  a.rcode = r->rcode;
  if (r->answer_packet != nullptr && r->answer_len > 0) {
    auto parsed = parse_response(
        std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(r->answer_packet),
                                      static_cast<std::size_t>(r->answer_len)),
        a.qname, qtype);
    if (!parsed) {
      a.outcome = Outcome::kError;
      a.error = parsed.error().message;
      return a;
    }
    a.records = std::move(parsed->records);
    a.cname_chain = std::move(parsed->cname_chain);
    a.original_ttl = parsed->original_ttl;
  }
  switch (r->rcode) {
    case 0:
      a.outcome = a.records.empty() ? Outcome::kNoData : Outcome::kData;
      break;
    case 2:
      a.outcome = Outcome::kServFail;
      break;
    case 3:
      a.outcome = Outcome::kNxDomain;
      break;
    default: {
      a.outcome = Outcome::kError;
      char buf[32];
      ldns_lookup_table* lt = ldns_lookup_by_id(ldns_rcodes, r->rcode);
      std::snprintf(buf, sizeof buf, "RCODE %d", r->rcode);
      a.error = fmt::format("the resolver answered {}", lt ? lt->name : buf);
    }
  }
  if (r->secure) {
    a.security = Security::kSecure;
  } else if (r->bogus) {
    // libunbound hands back the bogus data itself; a validating resolver would answer SERVFAIL,
    // and a sender must not use it (RFC 4035 §4.3, RFC 7672 §2.1.1). The records stay as evidence.
    a.security = Security::kBogus;
    a.why_bogus = r->why_bogus != nullptr ? r->why_bogus : "validation failed";
    a.outcome = Outcome::kServFail;
  } else if (a.is_answer()) {
    a.security = Security::kInsecure;
  } else {
    a.security = Security::kIndeterminate;
  }
  return a;
}

}  // namespace mc::dns
