// certificate.hpp - what a certificate says, and whether a web-PKI client would accept a chain.
//
// Certificates travel between modules as DER bytes (std::string), so only this module and the
// TLS client touch OpenSSL types.
//   inspect_certificate(der): subject, SANs, issuer, validity, key, signature algorithm, digests.
//   verify_pkix(chain, host, ca_file, now): RFC 5280 path validation to the system CAs plus
//     ca_file, with RFC 6125 host name checks (SAN DNS-IDs; no CN fallback, as RFC 8461 §4.2 wants)
//     at the injected time `now`.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace mc::tls {

struct CertificateInfo {
  std::string subject;
  std::string issuer;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::string not_before;              // RFC 3339 UTC
  std::string not_after;
  std::int64_t not_before_epoch = 0;
  std::int64_t not_after_epoch = 0;
  std::string key_type;  // "RSA", "EC", "ED25519", ...
  int key_bits = 0;
  std::string curve;  // for EC keys: "prime256v1"
  std::string signature_algorithm;
  std::string sha256;       // of the DER certificate, hex
  std::string spki_sha256;  // of the DER SubjectPublicKeyInfo, hex (what TLSA x 1 1 holds)
  bool self_signed = false;
};

Result<CertificateInfo> inspect_certificate(const std::string& der);
std::string der_to_pem(const std::string& der);

struct PkixVerdict {
  bool valid = false;  // chain, time and name all good
  bool chain_trusted = false;
  bool name_matches = false;
  int error_code = 0;
  std::string error;  // OpenSSL's verify error string, or why the name failed
};

// preload_trust_store - load (and keep) the store verify_pkix uses for extra_ca_file: the system
// CA bundle takes longer to parse than an audit's network work, so an audit starts it at once on
// a thread of its own. Thread-safe.
void preload_trust_store(const std::string& extra_ca_file);

// verify_pkix - chain[0] is the leaf, the rest what the server sent.
PkixVerdict verify_pkix(const std::vector<std::string>& chain_der, const std::string& host,
                        const std::string& extra_ca_file, std::time_t now);

}  // namespace mc::tls
