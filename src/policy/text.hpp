// text.hpp - the few ASCII text helpers every policy parser needs (DNS text is bytes, not
// locale-dependent characters, so nothing here consults the C locale). PURE.
// lower and to_lower are core/text.hpp's (header-only), named here for the parsers.
#pragma once

#include <string>
#include <string_view>

#include "core/text.hpp"

namespace mc::policy::text {

using mc::lower;
using mc::to_lower;

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
