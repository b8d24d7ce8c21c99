// spf_parser.hpp - SPF records (RFC 7208): record selection and syntax. PURE (no I/O).
//
// is_spf_record(txt)    - §4.5: "v=spf1" (any case) followed by a space or the end of the text.
// parse_record(text)    - §4.6, §5, §6, §12: the complete record (the TXT strings already joined,
//                         §3.3) into directives and modifiers. Every syntax error is reported with
//                         its offset in the text and the term it is in; one error anywhere makes
//                         the record a permerror before anything is evaluated (§4.6).
// check_macro_string(s) - §7.1: macro-string syntax; c, r and t only in explanations (§7.2).
// check_domain_spec(s)  - §4.8 and §7.1: a macro-string that ends in "." toplabel or a macro.
// parse_ip(text)        - an IPv4 (strict dotted quad, no leading zeros) or IPv6 literal.
// Fuzzed by tests/fuzz/fuzz_spf.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::policy::spf {

enum class Qualifier { kPass, kFail, kSoftFail, kNeutral };  // + - ~ ? (§4.6.2)
enum class Mechanism { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

std::string_view to_string(Qualifier q);  // "pass", "fail", "softfail", "neutral"
char symbol(Qualifier q);                 // '+', '-', '~', '?'
std::string_view to_string(Mechanism m);  // "all", "include", ...

// IpAddress - an IPv4 or IPv6 address. IPv4 uses the first four bytes.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  std::string text() const;  // "192.0.2.1", "2001:db8::1"
  // in_network - the first `prefix` bits equal those of `network` (same family only).
  bool in_network(const IpAddress& network, int prefix) const;
  bool operator==(const IpAddress&) const = default;
};

// parse_ip - IPv4 dotted quad (RFC 7208 ip4-network: 4 decimal octets, no leading zeros) or an
// IPv6 address (RFC 4291 text form). An IPv4-mapped IPv6 address stays IPv6 here.
std::optional<IpAddress> parse_ip(std::string_view text);

struct Directive {
  Qualifier qualifier = Qualifier::kPass;
  Mechanism mechanism = Mechanism::kAll;
  std::string domain_spec;     // macro-string; empty for a, mx, ptr without ":" (current domain)
  IpAddress network;           // ip4, ip6
  int cidr4 = 32;              // a, mx, ip4
  int cidr6 = 128;             // a, mx, ip6
  bool counts_lookup() const;  // §4.6.4: include, a, mx, ptr, exists
  std::size_t pos = 0;         // offset of the term in the record text
  std::string text;            // the term as written
};

struct Modifier {
  std::string name;   // lower case
  std::string value;  // macro-string (redirect, exp: domain-spec)
  std::size_t pos = 0;
  std::string text;
};

struct Diagnostic {
  std::size_t pos = 0;  // offset in the parsed text
  std::size_t length = 0;
  std::string message;  // "ip4:192.0.2/24: ...": names the offending term
};

struct Record {
  std::vector<Directive> directives;  // in order
  std::optional<Modifier> redirect;
  std::optional<Modifier> exp;
  std::vector<Modifier> unknown_modifiers;  // ignored by evaluation (§6)
  bool has_all() const;
};

struct ParseResult {
  Record record;
  std::vector<Diagnostic> errors;  // syntax errors: any one makes the record a permerror
  bool ok() const { return errors.empty(); }
};

bool is_spf_record(std::string_view txt);
ParseResult parse_record(std::string_view text);

// check_macro_string - nullopt if s is a valid macro-string (explain-string when `explanation`);
// otherwise the first error, pos relative to s.
std::optional<Diagnostic> check_macro_string(std::string_view s, bool explanation);
std::optional<Diagnostic> check_domain_spec(std::string_view s);

}  // namespace mc::policy::spf
