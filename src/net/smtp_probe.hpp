// smtp_probe.hpp - one SMTP STARTTLS probe of one address (RFC 5321, RFC 3207), with DANE
// verification by OpenSSL during the handshake (RFC 7672 §3, RFC 7671).
//
// probe_smtp(target, timeouts): connect, read the greeting, EHLO, STARTTLS, TLS handshake with
// SNI = target.host, EHLO again, QUIT. Never sends mail. Every step has its own deadline (a total
// per step, so a server that drips one byte a second still times out). Everything the server says
// is recorded; any failure stops the probe and is recorded as (step, kind, detail), never thrown.
// When target.tlsa holds usable records, OpenSSL's DANE verifier (SSL_dane_enable,
// SSL_dane_tlsa_add) checks the chain; the handshake itself never aborts on a verification
// failure, so the chain is always captured and the verdict read afterwards.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/smtp_reply.hpp"
#include "policy/tlsa.hpp"

namespace mc::net {

struct SmtpTimeouts {
  // RFC 5321 §4.5.3.2 gives senders minutes; a checker needs less (rfc-notes rule 98).
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds greeting{30000};
  std::chrono::milliseconds command{30000};
  std::chrono::milliseconds tls_handshake{30000};
  // No step runs past this (the audit's own deadline), whatever the durations above say.
  std::chrono::steady_clock::time_point overall = std::chrono::steady_clock::time_point::max();
};

enum class TlsMode { kStarttls, kImplicit };

struct ProbeTarget {
  std::string host;     // MX host name: SNI and DANE reference identifier
  std::string address;  // IPv4 or IPv6 literal
  std::uint16_t port = 25;
  TlsMode mode = TlsMode::kStarttls;
  std::string ehlo_name = "mailcheck.invalid";
  std::vector<policy::TlsaRecord> tlsa;  // usable records only; empty: no DANE verification
  std::vector<std::string> extra_names;  // more DANE-TA reference identifiers (RFC 7672 §3.2.2)
};

enum class ProbeStep { kConnect, kGreeting, kEhlo, kStarttls, kTlsHandshake, kEhloAfterTls, kQuit };
std::string_view to_string(ProbeStep step);

struct ProbeFailure {
  ProbeStep step = ProbeStep::kConnect;
  std::string kind;    // "timeout", "refused", "reset", "closed", "unreachable", "protocol",
                       // "rejected" (4xx/5xx reply), "tls", "error"
  std::string detail;  // human-readable
};

struct DaneOutcome {
  bool enabled = false;    // usable TLSA records were given to OpenSSL
  int records_loaded = 0;  // how many SSL_dane_tlsa_add accepted
  bool authenticated = false;
  int match_depth = -1;  // chain depth of the matching certificate
  std::optional<policy::TlsaRecord> matched;
  long verify_error = 0;  // X509_V_ERR_* (0 = X509_V_OK)
  std::string error;      // OpenSSL's verify error when not authenticated
};

struct TlsSession {
  int version = 0;  // OpenSSL's protocol number (SSL_version): TLS1_2_VERSION, TLS1_3_VERSION, ...
  std::string cipher;
  std::string group;                   // key-exchange group, e.g. "X25519"
  std::string kex_type;                // the server's ephemeral key: "X25519", "EC", "DH", ...
  int kex_bits = 0;                    // its size in bits
  std::vector<std::string> chain_der;  // as sent by the server, leaf first
  DaneOutcome dane;
};

// protocol_name - OpenSSL's name of a protocol version number, as SSL_get_version gives it
// ("TLSv1.3"); "unknown" for any other number.
std::string_view protocol_name(int version);

struct ProbeResult {
  ProbeTarget target;
  bool connected = false;
  std::optional<SmtpReply> greeting;
  std::optional<SmtpReply> ehlo;
  std::vector<std::string> extensions;  // EHLO keywords before TLS
  bool starttls_offered = false;
  std::optional<SmtpReply> starttls_reply;
  bool starttls_accepted = false;
  std::size_t bytes_after_starttls = 0;  // sent by the server before the handshake (rule 92)
  std::optional<TlsSession> tls;
  std::vector<std::string> extensions_after_tls;
  bool starttls_after_tls = false;  // listed again after TLS (RFC 3207 §4.2)
  std::optional<ProbeFailure> failure;
  double elapsed_ms = 0;

  bool tls_established() const { return tls.has_value(); }
};

boost::asio::awaitable<ProbeResult> probe_smtp(ProbeTarget target, SmtpTimeouts timeouts = {});

// verify_dane - OpenSSL's DANE verdict on a chain already captured (DER, leaf first, as the
// server sent it) for target's TLSA records and reference identifiers: the same verifier and
// parameters the handshake uses, for a probe observed once and judged per recipient domain.
DaneOutcome verify_dane(const std::vector<std::string>& chain_der, const ProbeTarget& target);

}  // namespace mc::net
