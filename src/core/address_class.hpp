// address_class.hpp - which IP addresses a public service may connect to (the SSRF guard of
// `mailcheck serve`). PURE.
//
// classify_address(text): the IANA special-purpose range an IPv4 or IPv6 address falls in
// (RFC 6890 and the registries that update it), or kGlobal. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d), and the IPv4 inside a NAT64 well-known prefix (64:ff9b::/96, RFC 6052) or a
// 6to4 address (2002::/16), is judged by that IPv4 address, so a mapped form cannot smuggle a
// private target past the guard.
// is_public(text): kGlobal only. Anything unparsable is not public.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mc {

enum class AddressClass {
  kGlobal,
  kUnspecified,    // 0.0.0.0/8, ::/128
  kLoopback,       // 127.0.0.0/8, ::1
  kPrivate,        // RFC 1918, fc00::/7 (ULA)
  kSharedCgnat,    // 100.64.0.0/10 (RFC 6598)
  kLinkLocal,      // 169.254.0.0/16, fe80::/10
  kMulticast,      // 224.0.0.0/4, ff00::/8
  kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  kBenchmarking,   // 198.18.0.0/15, 2001:2::/48
  kReserved,       // 240/4, broadcast, 192.0.0/24, 192.88.99/24, 100::/64, 2001::/23 rest,
                   // fec0::/10, 64:ff9b:1::/48, 5f00::/16
  kInvalid,        // not an address
};

std::string_view to_string(AddressClass c);
AddressClass classify_address(std::string_view text);
bool is_public(std::string_view text);

// non_public_networks - CIDR networks covering every address that is not kGlobal (IPv6 a little
// wider: all of 6to4), for filters that take prefixes (the resolver's do-not-query list).
std::vector<std::string> non_public_networks();

}  // namespace mc
