// tlsa_gen.hpp - TLSA records from certificates, keys or a live server's chain (RFC 6698 §2.1,
// RFC 7671 §5, RFC 7218 names). Used by `mailcheck tlsa` and by the records the dane check
// recommends, so both always agree.
//
// load_tlsa_input(path): a certificate or chain (PEM, or one DER certificate), or a public or
//   private key (PEM or DER). An encrypted private key is refused (no passphrase prompt).
// parse_tlsa_params(text): "3 1 1" or RFC 7218 mnemonics ("DANE-EE SPKI SHA2-256").
// make_tlsa(input, params, chain_position): the record; usage 0/2 take a CA certificate from the
//   chain (default: the leaf's issuer, position 1), usage 1/3 the leaf (position 0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "policy/tlsa.hpp"

namespace mc::tools {

struct TlsaInput {
  std::vector<std::string> chain_der;  // leaf first; empty when only a key was given
  std::string key_spki_der;            // set when the input was a key
};

struct TlsaParams {
  std::uint8_t usage = 3;
  std::uint8_t selector = 1;
  std::uint8_t matching_type = 1;
};

Result<TlsaInput> load_tlsa_input(const std::string& path);
Result<TlsaParams> parse_tlsa_params(const std::string& text);

// make_tlsa - chain_position -1 picks the default for the usage.
Result<policy::TlsaRecord> make_tlsa(const TlsaInput& input, const TlsaParams& params,
                                     int chain_position = -1);

// recommended_tlsa - the rollover-friendly set: 3 1 1 for the leaf key and, when the chain has
// an issuer, 2 1 1 for the issuer's key.
std::vector<policy::TlsaRecord> recommended_tlsa(const TlsaInput& input);

// tlsa_owner - "_25._tcp.mail.example.co.nz." (RFC 6698 §3).
std::string tlsa_owner(const std::string& host, std::uint16_t port, const std::string& proto);

}  // namespace mc::tools
