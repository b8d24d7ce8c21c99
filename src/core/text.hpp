// text.hpp - ASCII text helpers shared by every layer. Header-only and standard-library-only, so
// the pure policy parsers use it without linking anything. DNS and protocol text is octets, not
// characters of a locale: nothing here consults the C locale.
//
// lower(c), to_lower(s): ASCII capital letters lower-cased; every other octet unchanged.
// canonical_name(s): a domain name as it is compared: lower case (RFC 4343), one trailing dot
//   dropped ("Mx1.Example." -> "mx1.example"; the root "." becomes ""). Names read from DNS
//   answers go through normalize_dns_name (core/domain_name.hpp) instead, which keeps the root as
//   "." and an escaped final dot ("a\.") as part of the label.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace mc {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

inline std::string canonical_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return to_lower(name);
}

}  // namespace mc
