// address_class.cpp - see address_class.hpp.
#include "core/address_class.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace mc {
namespace {

struct Range4 {
  std::uint32_t net;
  int bits;
  AddressClass cls;
};

constexpr std::uint32_t ip4(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) |
         std::uint32_t(d);
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 et seq.), most specific first where they
// nest (192.0.0.0/24 holds nothing we treat differently).
constexpr std::array<Range4, 17> kRanges4{{
    {ip4(0, 0, 0, 0), 8, AddressClass::kUnspecified},
    {ip4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {ip4(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},
    {ip4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {ip4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {ip4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {ip4(192, 0, 0, 0), 24, AddressClass::kReserved},
    {ip4(192, 0, 2, 0), 24, AddressClass::kDocumentation},
    {ip4(192, 88, 99, 0), 24, AddressClass::kReserved},  // 6to4 relay anycast (deprecated)
    {ip4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {ip4(198, 18, 0, 0), 15, AddressClass::kBenchmarking},
    {ip4(198, 51, 100, 0), 24, AddressClass::kDocumentation},
    {ip4(203, 0, 113, 0), 24, AddressClass::kDocumentation},
    {ip4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {ip4(240, 0, 0, 0), 4, AddressClass::kReserved},  // includes 255.255.255.255
    {ip4(255, 255, 255, 255), 32, AddressClass::kReserved},
    {ip4(192, 31, 196, 0), 24, AddressClass::kReserved},  // AS112-v4
}};

AddressClass classify4(std::uint32_t a) {
  for (const auto& r : kRanges4) {
    const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
    if ((a & mask) == r.net) return r.cls;
  }
  return AddressClass::kGlobal;
}

using Bytes16 = std::array<std::uint8_t, 16>;

bool prefix(const Bytes16& a, std::initializer_list<std::uint8_t> p, int bits) {
  int i = 0;
  for (std::uint8_t byte : p) {
    const int take = std::min(8, bits - 8 * i);
    if (take <= 0) break;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((a[i] & mask) != (byte & mask)) return false;
    ++i;
  }
  return true;
}

std::uint32_t v4_at(const Bytes16& a, int offset) {
  return (std::uint32_t(a[offset]) << 24) | (std::uint32_t(a[offset + 1]) << 16) |
         (std::uint32_t(a[offset + 2]) << 8) | std::uint32_t(a[offset + 3]);
}

AddressClass classify6(const Bytes16& a) {
  const bool zero96 = std::all_of(a.begin(), a.begin() + 12, [](auto b) { return b == 0; });
  if (zero96 && v4_at(a, 12) == 0) return AddressClass::kUnspecified;
  if (zero96 && v4_at(a, 12) == 1) return AddressClass::kLoopback;
  if (zero96) return AddressClass::kReserved;  // IPv4-compatible (deprecated)
  // ::ffff:0:0/96 IPv4-mapped and 64:ff9b::/96 NAT64: judged by the IPv4 address inside.
  if (prefix(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) return classify4(v4_at(a, 12));
  if (prefix(a, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return classify4(v4_at(a, 12));
  if (prefix(a, {0, 0x64, 0xff, 0x9b, 0, 1}, 48)) return AddressClass::kReserved;
  if (prefix(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64)) return AddressClass::kReserved;  // discard
  if (prefix(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return AddressClass::kDocumentation;
  if (prefix(a, {0x3f, 0xff}, 20)) return AddressClass::kDocumentation;  // RFC 9637
  if (prefix(a, {0x20, 0x01, 0x00, 0x02, 0, 0}, 48)) return AddressClass::kBenchmarking;
  if (prefix(a, {0x20, 0x01, 0x00, 0x00}, 23)) return AddressClass::kReserved;  // 2001::/23
  if (prefix(a, {0x20, 0x02}, 16)) return classify4(v4_at(a, 2));               // 6to4
  if (prefix(a, {0x5f, 0x00}, 16)) return AddressClass::kReserved;              // SRv6 SIDs
  if (prefix(a, {0xfc}, 7)) return AddressClass::kPrivate;
  if (prefix(a, {0xfe, 0x80}, 10)) return AddressClass::kLinkLocal;
  if (prefix(a, {0xfe, 0xc0}, 10)) return AddressClass::kReserved;  // site-local (deprecated)
  if (prefix(a, {0xff}, 8)) return AddressClass::kMulticast;
  // Outside 2000::/3 nothing is allocated for global unicast.
  if (!prefix(a, {0x20}, 3)) return AddressClass::kReserved;
  return AddressClass::kGlobal;
}

}  // namespace

std::vector<std::string> non_public_networks() {
  std::vector<std::string> out;
  for (const auto& r : kRanges4) {
    out.push_back(fmt::format("{}.{}.{}.{}/{}", r.net >> 24, (r.net >> 16) & 0xff,
                              (r.net >> 8) & 0xff, r.net & 0xff, r.bits));
  }
  // IPv6: everything outside 2000::/3 (classify6 calls it reserved; this covers ::1, the
  // IPv4-compatible, mapped and NAT64 forms, ULA, link-local, multicast, 5f00::/16), then what
  // 2000::/3 holds that is not global: 2001::/23 (Teredo, benchmarking, ...), documentation and
  // 6to4 (whose embedded IPv4 address may be private; no name server needs it).
  for (const char* net :
       {"::/3", "4000::/2", "8000::/1", "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20"}) {
    out.emplace_back(net);
  }
  return out;
}

std::string_view to_string(AddressClass c) {
  switch (c) {
    case AddressClass::kGlobal:
      return "global";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kSharedCgnat:
      return "shared (CGNAT)";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kDocumentation:
      return "documentation";
    case AddressClass::kBenchmarking:
      return "benchmarking";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kInvalid:
      return "invalid";
  }
  return "invalid";
}

AddressClass classify_address(std::string_view text) {
  if (text.empty() || text.size() > 45) return AddressClass::kInvalid;
  const std::string s(text);
  if (s.find(':') == std::string::npos) {
    in_addr a4{};
    if (::inet_pton(AF_INET, s.c_str(), &a4) != 1) return AddressClass::kInvalid;
    return classify4(ntohl(a4.s_addr));
  }
  Bytes16 a6{};
  if (::inet_pton(AF_INET6, s.c_str(), a6.data()) != 1) return AddressClass::kInvalid;
  return classify6(a6);
}

bool is_public(std::string_view text) { return classify_address(text) == AddressClass::kGlobal; }

}  // namespace mc
