// tlsa.cpp - TLSA parsing and SMTP usability; see tlsa.hpp.
#include "policy/tlsa.hpp"

#include <fmt/format.h>

#include <charconv>

namespace mc::policy {
namespace {

Result<std::uint8_t> parse_u8(std::string_view text, std::string_view what) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value > 255) {
    return make_error(ErrorKind::kMalformed,
                      fmt::format("TLSA {} '{}' is not a number from 0 to 255", what, text));
  }
  return static_cast<std::uint8_t>(value);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::string TlsaRecord::data_hex() const { return hex(data); }

std::string TlsaRecord::text() const {
  return fmt::format("{} {} {} {}", usage, selector, matching_type, data_hex());
}

std::string TlsaRecord::mnemonic() const {
  return fmt::format("{} {} {}", usage_name(usage), selector_name(selector),
                     matching_name(matching_type));
}

std::string_view usage_name(std::uint8_t usage) {
  switch (usage) {
    case 0:
      return "PKIX-TA";
    case 1:
      return "PKIX-EE";
    case 2:
      return "DANE-TA";
    case 3:
      return "DANE-EE";
    case 255:
      return "PrivCert";
    default:
      return "unassigned-usage";
  }
}

std::string_view selector_name(std::uint8_t selector) {
  switch (selector) {
    case 0:
      return "Cert";
    case 1:
      return "SPKI";
    case 255:
      return "PrivSel";
    default:
      return "unassigned-selector";
  }
}

std::string_view matching_name(std::uint8_t mtype) {
  switch (mtype) {
    case 0:
      return "Full";
    case 1:
      return "SHA2-256";
    case 2:
      return "SHA2-512";
    case 255:
      return "PrivMatch";
    default:
      return "unassigned-matching-type";
  }
}

std::string_view to_string(TlsaUsability u) {
  switch (u) {
    case TlsaUsability::kUsable:
      return "usable";
    case TlsaUsability::kPkixUsage:
      return "PKIX usages (0, 1) are not used for SMTP";
    case TlsaUsability::kUnknownUsage:
      return "unknown certificate usage";
    case TlsaUsability::kUnknownSelector:
      return "unknown selector";
    case TlsaUsability::kUnknownMatchingType:
      return "unknown matching type";
    case TlsaUsability::kBadDigestLength:
      return "digest length does not match the matching type";
    case TlsaUsability::kEmptyData:
      return "no certificate association data";
  }
  return "unusable";
}

Result<TlsaRecord> parse_tlsa(std::string_view usage, std::string_view selector,
                              std::string_view matching_type, std::string_view hex_data) {
  TlsaRecord r;
  auto u = parse_u8(usage, "usage");
  if (!u) return tl::unexpected(u.error());
  auto s = parse_u8(selector, "selector");
  if (!s) return tl::unexpected(s.error());
  auto m = parse_u8(matching_type, "matching type");
  if (!m) return tl::unexpected(m.error());
  r.usage = *u;
  r.selector = *s;
  r.matching_type = *m;
  // RFC 6698 §2.2: hex, whitespace allowed inside the field.
  int high = -1;
  for (char c : hex_data) {
    if (c == ' ' || c == '\t') continue;
    const int v = hex_value(c);
    if (v < 0) {
      return make_error(ErrorKind::kMalformed,
                        fmt::format("TLSA association data has a non-hex character '{}'", c));
    }
    if (high < 0) {
      high = v;
    } else {
      r.data.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) {
    return make_error(ErrorKind::kMalformed,
                      "TLSA association data has an odd number of hex digits");
  }
  return r;
}

TlsaUsability smtp_usability(const TlsaRecord& r) {
  // RFC 7672 §3.1.3: SMTP clients use only DANE-TA(2) and DANE-EE(3).
  if (r.usage == 0 || r.usage == 1) return TlsaUsability::kPkixUsage;
  if (r.usage != 2 && r.usage != 3) return TlsaUsability::kUnknownUsage;
  if (r.selector > 1) return TlsaUsability::kUnknownSelector;
  switch (r.matching_type) {
    case 0:
      return r.data.empty() ? TlsaUsability::kEmptyData : TlsaUsability::kUsable;
    case 1:
      return r.data.size() == 32 ? TlsaUsability::kUsable : TlsaUsability::kBadDigestLength;
    case 2:
      return r.data.size() == 64 ? TlsaUsability::kUsable : TlsaUsability::kBadDigestLength;
    default:
      return TlsaUsability::kUnknownMatchingType;
  }
}

}  // namespace mc::policy
