// tlsa.hpp - TLSA records (RFC 6698 §2): parsing, RFC 7218 names, and usability for SMTP. PURE.
//
// parse_tlsa(usage, selector, mtype, hex): the four presentation fields of a TLSA RR (as a zone
//   file writes them) into a TlsaRecord; only syntax errors fail (non-numeric, out of range,
//   odd-length or non-hex data). Unknown parameter values parse: they make a record unusable.
//   (A DNS answer's TLSA RDATA arrives decoded: dns::TlsaRdata holds the same four values.)
// smtp_usability(record): RFC 7672 §3.1.3 and RFC 7671 §4-5: which records a DANE SMTP client may
//   use. PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP; unknown usages, selectors and matching
//   types are unusable; a digest of the wrong length is unusable (RFC 6698 §2.1.3).
// Fuzzed by tests/fuzz/fuzz_tlsa.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mc::policy {

struct TlsaRecord {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::vector<std::uint8_t> data;

  std::string data_hex() const;  // lower-case hex
  std::string text() const;      // "3 1 1 <hex>"
  std::string mnemonic() const;  // RFC 7218: "DANE-EE SPKI SHA2-256"
};

enum class TlsaUsability {
  kUsable,
  kPkixUsage,            // usage 0 or 1: not for SMTP (RFC 7672 §3.1.3)
  kUnknownUsage,         // usage > 3
  kUnknownSelector,      // selector > 1
  kUnknownMatchingType,  // matching type > 2
  kBadDigestLength,      // SHA2-256 not 32 octets, SHA2-512 not 64 (RFC 6698 §2.1.3)
  kEmptyData,            // Full(0) with no data
};

std::string_view to_string(TlsaUsability u);

Result<TlsaRecord> parse_tlsa(std::string_view usage, std::string_view selector,
                              std::string_view matching_type, std::string_view hex);

TlsaUsability smtp_usability(const TlsaRecord& record);

std::string_view usage_name(std::uint8_t usage);        // RFC 7218 §2.1: "DANE-EE"
std::string_view selector_name(std::uint8_t selector);  // RFC 7218 §2.2: "SPKI"
std::string_view matching_name(std::uint8_t mtype);     // RFC 7218 §2.3: "SHA2-256"

// hex - lower-case hex of bytes.
std::string hex(const std::vector<std::uint8_t>& bytes);

}  // namespace mc::policy
