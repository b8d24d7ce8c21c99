// starttls.hpp - the starttls check: does every MX address offer STARTTLS, does the handshake
// work, and how strong is what it negotiates (RFC 3207, RFC 8996, RFC 8461 §4.2 / RFC 6125 for
// the certificate as a web-PKI client sees it).
//
// evaluate_starttls(transport, mx, ca_file, now): PURE apart from reading the CA files for the
// web-PKI verdict; the certificates come from the probes (no second connection).
#pragma once

#include <ctime>
#include <string>

#include "checks/mx.hpp"
#include "checks/transport.hpp"
#include "core/report_model.hpp"

namespace mc::checks {

inline constexpr std::int64_t kExpiryWarningSeconds = 14 * 24 * 3600;

AreaReport evaluate_starttls(const TransportData& transport, const MxData& mx,
                             const std::string& ca_file, std::time_t now);

// weak_cipher - a cipher suite a careful sender would not want (RC4, DES/3DES, NULL, export,
// anonymous, MD5, or static-RSA key exchange without forward secrecy).
bool weak_cipher(const std::string& version, const std::string& cipher);

// weak_key_exchange - an ephemeral key too small for its kind: finite-field DH below 2048 bits,
// elliptic curves below 224 bits (RFC 9325 §4.1, §4.2.1).
bool weak_key_exchange(const std::string& kex_type, int kex_bits);

}  // namespace mc::checks
