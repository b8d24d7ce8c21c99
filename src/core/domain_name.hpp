// domain_name.hpp - validated, canonical domain names.
//
// DomainName holds a name in its canonical form: A-labels (RFC 5890), lower case, no trailing dot.
// Case-insensitive comparison (RFC 4343) is done once, here, by canonicalising on construction.
//   DomainName::parse(user_input) - IDN-aware (libidn2, UTS #46 non-transitional), host-name rules
//                                   (LDH labels, RFC 1123 §2.1), length limits (RFC 1035 §2.3.4).
//   normalize_dns_name(text)      - canonical text for a name read from a DNS answer (no validation
//                                   beyond case and trailing dot: DNS names may hold any octet).
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mc {

class DomainName {
 public:
  // parse - turn user input (U-labels or A-labels, optional trailing dot) into a canonical name.
  // Returns kInvalidInput with a message that says what is wrong.
  static Result<DomainName> parse(std::string_view input);

  const std::string& str() const { return name_; }  // "example.co.nz"
  std::string fqdn() const { return name_ + "."; }  // "example.co.nz."
  std::string unicode() const;                      // U-label form for display ("müller.co.nz")
  std::vector<std::string> labels() const;
  bool is_subdomain_of(const DomainName& other) const;  // true for equal names too

  auto operator<=>(const DomainName&) const = default;

 private:
  explicit DomainName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// normalize_dns_name - lower-case ASCII letters and drop one trailing dot ("Mx1.Example." ->
// "mx1.example"); the root name "." stays ".".
std::string normalize_dns_name(std::string_view name);

// looks_like_ip_address - true when text is an IPv4 or IPv6 address literal (with or without a
// trailing dot), which is not a valid mail exchange host name (RFC 5321 §5.1, RFC 7505 §3).
bool looks_like_ip_address(std::string_view text);

}  // namespace mc
