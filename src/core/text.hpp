// text.hpp - ASCII text helpers shared by every layer. Header-only and standard-library-only, so
// the pure policy parsers use it without linking anything. DNS and protocol text is octets, not
// characters of a locale: nothing here consults the C locale.
//
// lower(c), to_lower(s): ASCII capital letters lower-cased; every other octet unchanged.
// canonical_name(s): a domain name as it is compared: lower case (RFC 4343), one trailing dot
//   dropped ("Mx1.Example." -> "mx1.example"; the root "." becomes ""). Names read from DNS
//   answers go through normalize_dns_name (core/domain_name.hpp) instead, which keeps the root as
//   "." and an escaped final dot ("a\.") as part of the label.
// printable(s, non_ascii): outside text for a one-line message: control octets and DEL as \xHH
//   (lower-case hex), so the text can neither span lines nor drive a terminal; octets above 0x7f
//   too, unless non_ascii is NonAscii::kKeep (text that may be UTF-8, such as user input).
//   Callers that cut long text do so themselves, before or after.
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

enum class NonAscii { kEscape, kKeep };

inline std::string printable(std::string_view s, NonAscii non_ascii = NonAscii::kEscape) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (c > 0x7f && non_ascii == NonAscii::kEscape)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace mc
