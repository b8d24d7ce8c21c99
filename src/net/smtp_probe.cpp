// smtp_probe.cpp - see smtp_probe.hpp.
#include "net/smtp_probe.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <variant>

#include "core/clock.hpp"
#include "net/deadline.hpp"
#include "net/errors.hpp"

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace mc::net {
namespace {

constexpr std::size_t kMaxBytesPerReply = 64 * 1024;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

struct StepError {
  std::string kind;
  std::string detail;
};

// read_reply - the next complete reply, by `deadline` (a total for the step, not per read).
template <class Stream>
asio::awaitable<tl::expected<SmtpReply, StepError>> read_reply(Stream& stream,
                                                               SmtpReplyReader& reader,
                                                               Clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::array<char, 4096> buf{};
  std::size_t received = 0;
  while (true) {
    if (auto r = reader.next()) {
      if (!*r) co_return tl::unexpected(StepError{"protocol", r->error().message});
      co_return std::move(**r);
    }
    if (Clock::now() >= deadline) {
      co_return tl::unexpected(StepError{
          "timeout", received == 0
                         ? "no reply before the deadline"
                         : fmt::format("incomplete reply after {} bytes (too slow)", received)});
    }
    timer.expires_at(deadline);
    auto res = co_await (stream.async_read_some(asio::buffer(buf), kUse) || timer.async_wait(kUse));
    if (res.index() == 1) continue;  // the deadline check above reports it
    auto [ec, n] = std::get<0>(res);
    if (ec) co_return tl::unexpected(StepError{kind_of(ec), describe_ec(ec)});
    received += n;
    if (received > kMaxBytesPerReply) {
      co_return tl::unexpected(StepError{"protocol", "reply larger than 64 KiB"});
    }
    reader.feed(std::string_view(buf.data(), n));
  }
}

template <class Stream>
asio::awaitable<tl::expected<void, StepError>> send(Stream& stream, std::string line,
                                                    Clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto res =
      co_await (asio::async_write(stream, asio::buffer(line), kUse) || timer.async_wait(kUse));
  if (res.index() == 1) co_return tl::unexpected(StepError{"timeout", "could not send in time"});
  auto [ec, n] = std::get<0>(res);
  (void)n;
  if (ec) co_return tl::unexpected(StepError{kind_of(ec), describe_ec(ec)});
  co_return tl::expected<void, StepError>{};
}

// command - send one command and read its reply.
template <class Stream>
asio::awaitable<tl::expected<SmtpReply, StepError>> command(Stream& stream, SmtpReplyReader& reader,
                                                            std::string line,
                                                            Clock::time_point deadline) {
  if (auto sent = co_await send(stream, std::move(line), deadline); !sent) {
    co_return tl::unexpected(sent.error());
  }
  co_return co_await read_reply(stream, reader, deadline);
}

void fail(ProbeResult& r, ProbeStep step, StepError e) {
  r.failure = ProbeFailure{step, std::move(e.kind), std::move(e.detail)};
}

void fail_reply(ProbeResult& r, ProbeStep step, const SmtpReply& reply) {
  r.failure = ProbeFailure{step, "rejected", reply.text()};
}

// configure_dane - hand the usable TLSA records to OpenSSL's DANE verifier (RFC 7671 via
// SSL_dane_enable). DANE-EE(3) ignores names (RFC 7672 §3.1.1); DANE-TA(2) checks the MX host
// name and the extra names (RFC 7672 §3.2.2).
DaneOutcome configure_dane(SSL* ssl, const ProbeTarget& t) {
  DaneOutcome d;
  if (t.tlsa.empty()) return d;
  if (SSL_dane_enable(ssl, t.host.c_str()) <= 0) {
    d.error = "OpenSSL could not enable DANE: " + openssl_errors();
    return d;
  }
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  for (const auto& n : t.extra_names) SSL_add1_host(ssl, n.c_str());
  for (const auto& rec : t.tlsa) {
    const int rc = SSL_dane_tlsa_add(ssl, rec.usage, rec.selector, rec.matching_type,
                                     rec.data.data(), rec.data.size());
    if (rc > 0) ++d.records_loaded;
  }
  ERR_clear_error();
  d.enabled = d.records_loaded > 0;
  return d;
}

// read_dane - OpenSSL's DANE verdict on a verified chain (the handshake's, or verify_dane's).
void read_dane(SSL* ssl, DaneOutcome& d) {
  if (!d.enabled) return;
  const long verify = SSL_get_verify_result(ssl);
  std::uint8_t usage = 0, selector = 0, mtype = 0;
  const unsigned char* data = nullptr;
  std::size_t dlen = 0;
  const int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &dlen);
  d.authenticated = verify == X509_V_OK && depth >= 0;
  d.verify_error = verify;
  d.match_depth = depth;
  if (depth >= 0 && data != nullptr) {
    policy::TlsaRecord m;
    m.usage = usage;
    m.selector = selector;
    m.matching_type = mtype;
    m.data.assign(data, data + dlen);
    d.matched = std::move(m);
  }
  if (!d.authenticated) {
    d.error = verify != X509_V_OK ? X509_verify_cert_error_string(verify)
                                  : "no TLSA record matched the certificate chain";
  }
}

void read_tls_session(SSL* ssl, TlsSession& s) {
  s.version = SSL_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) s.cipher = SSL_CIPHER_get_name(c);
  const int group = static_cast<int>(SSL_get_negotiated_group(ssl));
  if (group > 0) {
    const char* name = SSL_group_to_name(ssl, group);
    s.group = name != nullptr ? name : fmt::format("group {}", group);
  }
  EVP_PKEY* tmp = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != nullptr) {
    const char* type = EVP_PKEY_get0_type_name(tmp);
    s.kex_type = type != nullptr ? type : "";
    s.kex_bits = EVP_PKEY_get_bits(tmp);
    EVP_PKEY_free(tmp);
  }
  ERR_clear_error();
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      unsigned char* der = nullptr;
      const int len = i2d_X509(sk_X509_value(chain, i), &der);
      if (len > 0) {
        s.chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
        OPENSSL_free(der);
      }
    }
  }
  read_dane(ssl, s.dane);
}

// after_tls - the handshake, EHLO again, QUIT, over the TLS stream.
template <class Tls>
asio::awaitable<void> over_tls(Tls& tls, ProbeResult& r, const SmtpTimeouts& to) {
  SSL* ssl = tls.native_handle();
  TlsSession session;
  session.dane = configure_dane(ssl, r.target);
  SSL_set_tlsext_host_name(ssl, r.target.host.c_str());
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           step_end(to.overall, to.tls_handshake));
  auto res = co_await (tls.async_handshake(asio::ssl::stream_base::client, kUse) ||
                       timer.async_wait(kUse));
  if (res.index() == 1) {
    fail(r, ProbeStep::kTlsHandshake, {"timeout", "the TLS handshake did not finish in time"});
    co_return;
  }
  if (auto [ec] = std::get<0>(res); ec) {
    std::string detail = describe_ec(ec);
    if (std::string more = openssl_errors(); !more.empty()) detail += " (" + more + ")";
    fail(r, ProbeStep::kTlsHandshake, {kind_of(ec) == "error" ? "tls" : kind_of(ec), detail});
    co_return;
  }
  read_tls_session(ssl, session);
  r.tls = std::move(session);
  // Implicit TLS probes only the TLS layer: the service behind it need not speak SMTP (443).
  if (r.target.mode == TlsMode::kImplicit) co_return;

  SmtpReplyReader reader;
  auto ehlo = co_await command(tls, reader, "EHLO " + r.target.ehlo_name + "\r\n",
                               step_end(to.overall, to.command));
  if (!ehlo) {
    fail(r, ProbeStep::kEhloAfterTls, ehlo.error());
    co_return;
  }
  if (ehlo->kind() != 2) {
    fail_reply(r, ProbeStep::kEhloAfterTls, *ehlo);
    co_return;
  }
  r.extensions_after_tls = ehlo_keywords(*ehlo);
  r.starttls_after_tls = has_keyword(r.extensions_after_tls, "STARTTLS");
  auto quit = co_await command(tls, reader, "QUIT\r\n", step_end(to.overall, to.command));
  if (!quit) fail(r, ProbeStep::kQuit, quit.error());
}

}  // namespace

std::string_view to_string(ProbeStep step) {
  switch (step) {
    case ProbeStep::kConnect:
      return "connect";
    case ProbeStep::kGreeting:
      return "greeting";
    case ProbeStep::kEhlo:
      return "ehlo";
    case ProbeStep::kStarttls:
      return "starttls";
    case ProbeStep::kTlsHandshake:
      return "tls_handshake";
    case ProbeStep::kEhloAfterTls:
      return "ehlo_after_tls";
    case ProbeStep::kQuit:
      return "quit";
  }
  return "unknown";
}

asio::awaitable<ProbeResult> probe_smtp(ProbeTarget target, SmtpTimeouts to) {
  const auto start = Clock::now();
  ProbeResult r;
  r.target = std::move(target);
  auto executor = co_await asio::this_coro::executor;
  auto finish = [&]() -> ProbeResult {
    r.elapsed_ms = elapsed_ms(start);
    return std::move(r);
  };

  boost::system::error_code addr_ec;
  const auto address = asio::ip::make_address(r.target.address, addr_ec);
  if (addr_ec) {
    fail(r, ProbeStep::kConnect, {"error", "not an IP address: " + r.target.address});
    co_return finish();
  }
  asio::ip::tcp::socket socket(executor);
  {
    asio::steady_timer timer(executor, step_end(to.overall, to.connect));
    auto res =
        co_await (socket.async_connect({address, r.target.port}, kUse) || timer.async_wait(kUse));
    if (res.index() == 1) {
      fail(r, ProbeStep::kConnect, {"timeout", "no answer to the connection attempt in time"});
      co_return finish();
    }
    if (auto [ec] = std::get<0>(res); ec) {
      fail(r, ProbeStep::kConnect, {kind_of(ec), describe_ec(ec)});
      co_return finish();
    }
  }
  r.connected = true;

  // TLS: allow everything from TLS 1.0 so that weak servers can be described rather than missed;
  // the starttls check judges the version and cipher afterwards.
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_cipher_list(ctx.native_handle(), "ALL:@SECLEVEL=0");
  SSL_CTX_dane_enable(ctx.native_handle());
  ctx.set_verify_mode(asio::ssl::verify_none);  // the verdict is read after the handshake

  if (r.target.mode == TlsMode::kImplicit) {
    asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, ctx);
    r.starttls_accepted = true;
    co_await over_tls(tls, r, to);
    co_return finish();
  }

  SmtpReplyReader reader;
  auto greeting = co_await read_reply(socket, reader, step_end(to.overall, to.greeting));
  if (!greeting) {
    fail(r, ProbeStep::kGreeting, greeting.error());
    co_return finish();
  }
  r.greeting = *greeting;
  if (greeting->code != 220) {
    fail_reply(r, ProbeStep::kGreeting, *greeting);
    co_return finish();
  }
  auto ehlo = co_await command(socket, reader, "EHLO " + r.target.ehlo_name + "\r\n",
                               step_end(to.overall, to.command));
  if (!ehlo) {
    fail(r, ProbeStep::kEhlo, ehlo.error());
    co_return finish();
  }
  r.ehlo = *ehlo;
  if (ehlo->kind() != 2) {
    fail_reply(r, ProbeStep::kEhlo, *ehlo);
    co_return finish();
  }
  r.extensions = ehlo_keywords(*ehlo);
  r.starttls_offered = has_keyword(r.extensions, "STARTTLS");
  if (!r.starttls_offered) {
    fail(r, ProbeStep::kStarttls, {"not_offered", "the server does not offer STARTTLS"});
    (void)co_await command(socket, reader, "QUIT\r\n", step_end(to.overall, to.command));
    co_return finish();
  }
  auto st = co_await command(socket, reader, "STARTTLS\r\n", step_end(to.overall, to.command));
  if (!st) {
    fail(r, ProbeStep::kStarttls, st.error());
    co_return finish();
  }
  r.starttls_reply = *st;
  if (st->code != 220) {
    fail_reply(r, ProbeStep::kStarttls, *st);
    (void)co_await command(socket, reader, "QUIT\r\n", step_end(to.overall, to.command));
    co_return finish();
  }
  r.starttls_accepted = true;
  // Bytes already waiting here were sent before the handshake (RFC 3207 §4: nothing may follow
  // the 220 in cleartext); they are discarded, never fed to the TLS layer.
  r.bytes_after_starttls = reader.buffered();
  asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, ctx);
  co_await over_tls(tls, r, to);
  co_return finish();
}

std::string_view protocol_name(int version) {
  switch (version) {
    case SSL3_VERSION:
      return "SSLv3";
    case TLS1_VERSION:
      return "TLSv1";
    case TLS1_1_VERSION:
      return "TLSv1.1";
    case TLS1_2_VERSION:
      return "TLSv1.2";
    case TLS1_3_VERSION:
      return "TLSv1.3";
    default:
      return "unknown";
  }
}

namespace {

struct CertStackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

// dane_context - the TLS client context of the probes (empty trust store: DANE is the only
// authentication asked of OpenSSL here), made once.
SSL_CTX* dane_context() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c != nullptr) SSL_CTX_dane_enable(c);
    return c;
  }();
  return ctx;
}

}  // namespace

DaneOutcome verify_dane(const std::vector<std::string>& chain_der, const ProbeTarget& target) {
  if (target.tlsa.empty()) return {};
  DaneOutcome d;
  if (chain_der.empty()) {
    d.error = "the server sent no certificate";
    return d;
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(dane_context() ? SSL_new(dane_context()) : nullptr,
                                                SSL_free);
  if (!ssl) {
    d.error = "OpenSSL could not make a DANE verifier: " + openssl_errors();
    return d;
  }
  d = configure_dane(ssl.get(), target);
  if (!d.enabled) return d;
  // The chain as the server sent it: the leaf, then the rest as untrusted intermediates.
  std::unique_ptr<STACK_OF(X509), CertStackFree> chain(sk_X509_new_null());
  std::vector<X509*> certs;
  for (const auto& der : chain_der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (x == nullptr) {
      ERR_clear_error();
      d.error = "a certificate of the chain does not parse";
      return d;
    }
    sk_X509_push(chain.get(), x);
  }
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx(X509_STORE_CTX_new(),
                                                                       X509_STORE_CTX_free);
  // What the handshake does (ssl_verify_cert_chain): the SSL's store, DANE state and parameters.
  if (!vctx || X509_STORE_CTX_init(vctx.get(), SSL_CTX_get_cert_store(dane_context()),
                                   sk_X509_value(chain.get(), 0), chain.get()) != 1) {
    d.enabled = false;
    d.error = "OpenSSL could not start the verification: " + openssl_errors();
    return d;
  }
  X509_STORE_CTX_set_ex_data(vctx.get(), SSL_get_ex_data_X509_STORE_CTX_idx(), ssl.get());
  X509_STORE_CTX_set_default(vctx.get(), "ssl_server");
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(vctx.get()), SSL_get0_param(ssl.get()));
  X509_STORE_CTX_set0_dane(vctx.get(), SSL_get0_dane(ssl.get()));
  (void)X509_verify_cert(vctx.get());
  SSL_set_verify_result(ssl.get(), X509_STORE_CTX_get_error(vctx.get()));
  ERR_clear_error();
  read_dane(ssl.get(), d);
  return d;
}

}  // namespace mc::net
