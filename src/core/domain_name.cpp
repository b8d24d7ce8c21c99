// domain_name.cpp - DomainName parsing with libidn2; see domain_name.hpp.
#include "core/domain_name.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/text.hpp"

namespace mc {
namespace {

constexpr std::size_t kMaxNameLength = 253;  // RFC 1035 §2.3.4: 255 octets on the wire
constexpr std::size_t kMaxLabelLength = 63;

// printable_input - user input as it may appear in a one-line message: control characters
// (newlines, escape sequences) as \xNN, so an error can neither span lines nor drive the terminal;
// UTF-8 stays readable.
std::string printable_input(std::string_view s) { return printable(s, NonAscii::kKeep); }

bool is_ldh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// check_ldh_labels - host-name rules on an all-ASCII candidate (RFC 1123 §2.1, RFC 5891 §4.2.3.1).
Result<void> check_ldh_labels(const std::string& name, std::string_view shown) {
  if (name.size() > kMaxNameLength) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}' is {} characters long; a domain name has at most {}", shown,
                                  name.size(), kMaxNameLength));
  }
  std::size_t start = 0;
  std::string last_label;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    std::string_view label(name.data() + start, end - start);
    if (label.empty()) {
      return make_error(
          ErrorKind::kInvalidInput,
          fmt::format("'{}' has an empty label (two dots in a row, or a leading dot)", shown));
    }
    if (label.size() > kMaxLabelLength) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' has a label of {} characters; labels have at most {}",
                                    shown, label.size(), kMaxLabelLength));
    }
    for (char c : label) {
      if (!is_ldh(c)) {
        return make_error(
            ErrorKind::kInvalidInput,
            fmt::format("'{}' contains '{}', which is not allowed in a host name (letters, digits "
                        "and hyphens only)",
                        shown, printable_input(std::string(1, c))));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' has a label that starts or ends with a hyphen", shown));
    }
    last_label = std::string(label);
    start = end + 1;
  }
  // RFC 3696 §2: a top-level domain is never all-numeric, so such input is an address, not a name.
  if (std::all_of(last_label.begin(), last_label.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}' looks like an IP address; give a domain name", shown));
  }
  return {};
}

}  // namespace

Result<DomainName> DomainName::parse(std::string_view input) {
  std::string text(input);
  if (text.empty()) {
    return make_error(ErrorKind::kInvalidInput, "the domain name is empty");
  }
  if (text.find('\0') != std::string::npos) {
    return make_error(ErrorKind::kInvalidInput, "the domain name contains a NUL character");
  }
  if (looks_like_ip_address(text)) {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("'{}' is an IP address; give a domain name", printable_input(text)));
  }
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  if (text == ".") {
    return make_error(ErrorKind::kInvalidInput, "the root name '.' is not a mail domain");
  }
  const bool ascii =
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x80; });
  std::string candidate;
  if (ascii) {
    candidate = to_lower(text);
  } else {
    // UTS #46 non-transitional processing maps case and width, then encodes (RFC 5891, UTS #46 §4).
    char* out = nullptr;
    int rc = idn2_to_ascii_8z(text.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> guard(out, &idn2_free);
    if (rc != IDN2_OK) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' is not a valid internationalised domain name: {}",
                                    printable_input(text), idn2_strerror(rc)));
    }
    candidate = to_lower(out);
  }
  if (auto ok = check_ldh_labels(candidate, printable_input(input)); !ok)
    return tl::unexpected(ok.error());
  // Every A-label must decode and re-encode to itself (RFC 5891 §5.4), whichever way it came in,
  // so that the canonical form always parses to itself.
  if (candidate.find("xn--") != std::string::npos) {
    char* uni = nullptr;
    int rc = idn2_to_unicode_8z8z(candidate.c_str(), &uni, 0);
    std::unique_ptr<char, decltype(&idn2_free)> guard(uni, &idn2_free);
    if (rc != IDN2_OK) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' has an invalid IDN A-label: {}", printable_input(text),
                                    idn2_strerror(rc)));
    }
    char* back = nullptr;
    rc = idn2_to_ascii_8z(uni, &back, IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> back_guard(back, &idn2_free);
    if (rc != IDN2_OK || to_lower(back) != candidate) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("'{}' has an A-label that is not in canonical IDNA form",
                                    printable_input(text)));
    }
  }
  return DomainName(std::move(candidate));
}

std::string DomainName::unicode() const {
  char* out = nullptr;
  int rc = idn2_to_unicode_8z8z(name_.c_str(), &out, 0);
  std::unique_ptr<char, decltype(&idn2_free)> guard(out, &idn2_free);
  if (rc != IDN2_OK || out == nullptr) return name_;
  return out;
}

std::vector<std::string> DomainName::labels() const {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= name_.size()) {
    std::size_t end = name_.find('.', start);
    if (end == std::string::npos) end = name_.size();
    out.emplace_back(name_.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool DomainName::is_subdomain_of(const DomainName& other) const {
  if (name_ == other.name_) return true;
  return name_.size() > other.name_.size() &&
         name_.compare(name_.size() - other.name_.size(), other.name_.size(), other.name_) == 0 &&
         name_[name_.size() - other.name_.size() - 1] == '.';
}

std::string normalize_dns_name(std::string_view name) {
  if (name == "." || name.empty()) return ".";
  // "a\." ends in an escaped dot, part of the last label (RFC 1035 §5.1), not the root's.
  if (name.ends_with("\\.")) return to_lower(name);
  return canonical_name(name);
}

bool looks_like_ip_address(std::string_view text) {
  // Lower-casing changes nothing here: inet_pton reads hex digits in either case.
  const std::string s = canonical_name(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace mc
