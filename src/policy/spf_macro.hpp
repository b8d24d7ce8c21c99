// spf_macro.hpp - SPF macro expansion (RFC 7208 §7). PURE: every value a macro can need, the
// validated client name %{p} included, is looked up by the caller and passed in MacroContext.
//
// expand(s, ctx, explanation) - expand a macro-string (or explain-string); errors only for syntax
//   that check_macro_string would also reject.
// uses_p(s)                   - whether s contains %{p} (so the caller knows to look it up).
// truncate_domain(name)       - §7.3: drop leftmost labels until the name is at most 253 octets.
// sender_parts(sender, helo)  - §4.3: local part and domain of MAIL FROM, "postmaster" when the
//   local part is empty, the HELO identity when there is no MAIL FROM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.hpp"
#include "policy/spf_parser.hpp"

namespace mc::policy::spf {

struct MacroContext {
  std::string local_part;            // l
  std::string sender_domain;         // o
  std::string domain;                // d: the domain being checked now
  IpAddress ip;                      // i, c, v
  std::string helo;                  // h
  std::string ptr = "unknown";       // p: validated name of ip (§5.5), "unknown" if none
  std::string receiver = "unknown";  // r (explanations only)
  std::int64_t timestamp = 0;        // t (explanations only)
};

Result<std::string> expand(std::string_view s, const MacroContext& ctx, bool explanation);
bool uses_p(std::string_view s);
std::string truncate_domain(std::string name);

struct SenderParts {
  std::string local_part;
  std::string domain;
};
SenderParts sender_parts(std::string_view sender, std::string_view helo);

}  // namespace mc::policy::spf
