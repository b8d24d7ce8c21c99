// text.hpp - the few ASCII text helpers every policy parser needs (DNS text is bytes, not
// locale-dependent characters, so nothing here consults the C locale). PURE.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace mc::policy::text {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// WSP (RFC 5234: SP, HTAB); FWS-like whitespace adds CR and LF (tag lists of DKIM and DMARC).
inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
inline bool is_fws(char c) { return is_wsp(c) || c == '\r' || c == '\n'; }

// trim - s without leading and trailing WSP; trim_fws - the same for FWS.
inline std::string_view trim(std::string_view s, bool (*space)(char) = is_wsp) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view trim_fws(std::string_view s) { return trim(s, is_fws); }

}  // namespace mc::policy::text
