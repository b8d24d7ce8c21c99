// starttls.hpp - the starttls check: does every MX address offer STARTTLS, does the handshake
// work, and how strong is what it negotiates (RFC 3207, RFC 8996, RFC 8461 §4.2 / RFC 6125 for
// the certificate as a web-PKI client sees it).
//
// starttls_input(transport, mx, ca_file, now): each probed address with its leaf certificate and
//   web-PKI verdict, computed once (reads the CA files; the certificates come from the probes,
//   no second connection).
// evaluate_starttls(input): PURE: state and findings. starttls_view(input, evaluation):
//   rendering. starttls_report: the three together.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "checks/transport.hpp"
#include "core/evaluation.hpp"
#include "tls/certificate.hpp"

namespace mc::checks {

inline constexpr std::int64_t kExpiryWarningSeconds = 14 * 24 * 3600;

// ProbedAddress - one probe with what the certificate check concluded (pointers into the
// TransportData, which outlives it).
struct ProbedAddress {
  const HostTransport* host = nullptr;
  const net::ProbeResult* probe = nullptr;
  std::optional<tls::CertificateInfo> leaf;  // with a TLS session and a chain
  std::optional<tls::PkixVerdict> pkix;
};

struct StarttlsInput {
  const TransportData& transport;
  const MxData& mx;
  std::time_t now = 0;
  std::vector<ProbedAddress> addresses;  // every probe, host by host
};

StarttlsInput starttls_input(const TransportData& transport, const MxData& mx,
                             const std::string& ca_file, std::time_t now);
Evaluation evaluate_starttls(const StarttlsInput& input);
AreaView starttls_view(const StarttlsInput& input, const Evaluation& evaluation);
AreaReport starttls_report(const TransportData& transport, const MxData& mx,
                           const std::string& ca_file, std::time_t now);

// weak_cipher - a cipher suite a careful sender would not want (RC4, DES/3DES, NULL, export,
// anonymous, MD5, or static-RSA key exchange without forward secrecy).
bool weak_cipher(int version, const std::string& cipher);  // version: OpenSSL protocol number

// weak_key_exchange - an ephemeral key too small for its kind: finite-field DH below 2048 bits,
// elliptic curves below 224 bits (RFC 9325 §4.1, §4.2.1).
bool weak_key_exchange(const std::string& kex_type, int kex_bits);

}  // namespace mc::checks
