// address_class.cpp - see address_class.hpp.
//
// The ranges are written as the registries write them (CIDR text) and matched with asio's
// network_v4 / network_v6: an address is in a network when its first prefix-length bits are the
// network's.
#include "core/address_class.hpp"

#include <arpa/inet.h>

#include <array>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <initializer_list>
#include <string>

namespace mc {
namespace {

namespace ip = boost::asio::ip;

struct Cidr {
  const char* text;
  AddressClass cls;
};

template <class Network>
struct Range {
  Network net;
  AddressClass cls;
};

// ranges - the table parsed once. The texts are constants: one that does not parse is a
// programmer error, and make_network_v4/v6 throw.
template <class Network, class Parse>
std::vector<Range<Network>> ranges(std::initializer_list<Cidr> table, Parse parse) {
  std::vector<Range<Network>> out;
  for (const Cidr& c : table) out.push_back({parse(c.text), c.cls});
  return out;
}

bool in(const ip::address_v4& a, const ip::network_v4& net) {
  return ip::network_v4(a, net.prefix_length()).network() == net.network();
}
bool in(const ip::address_v6& a, const ip::network_v6& net) {
  return ip::network_v6(a, net.prefix_length()).network() == net.network();
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 et seq.), most specific first where they
// nest (192.0.0.0/24 holds nothing we treat differently).
const std::vector<Range<ip::network_v4>>& ranges4() {
  static const auto table = ranges<ip::network_v4>(
      {
          {"0.0.0.0/8", AddressClass::kUnspecified},
          {"10.0.0.0/8", AddressClass::kPrivate},
          {"100.64.0.0/10", AddressClass::kSharedCgnat},
          {"127.0.0.0/8", AddressClass::kLoopback},
          {"169.254.0.0/16", AddressClass::kLinkLocal},
          {"172.16.0.0/12", AddressClass::kPrivate},
          {"192.0.0.0/24", AddressClass::kReserved},
          {"192.0.2.0/24", AddressClass::kDocumentation},
          {"192.88.99.0/24", AddressClass::kReserved},  // 6to4 relay anycast (deprecated)
          {"192.168.0.0/16", AddressClass::kPrivate},
          {"198.18.0.0/15", AddressClass::kBenchmarking},
          {"198.51.100.0/24", AddressClass::kDocumentation},
          {"203.0.113.0/24", AddressClass::kDocumentation},
          {"224.0.0.0/4", AddressClass::kMulticast},
          {"240.0.0.0/4", AddressClass::kReserved},  // includes 255.255.255.255
          {"255.255.255.255/32", AddressClass::kReserved},
          {"192.31.196.0/24", AddressClass::kReserved},  // AS112-v4
      },
      [](const char* text) { return ip::make_network_v4(text); });
  return table;
}

// IANA IPv6 Special-Purpose Address Registry, in the order classify6 tries them (2001:2::/48
// before the 2001::/23 that holds it). The forms that embed an IPv4 address come first, there.
const std::vector<Range<ip::network_v6>>& ranges6() {
  static const auto table = ranges<ip::network_v6>(
      {
          {"64:ff9b:1::/48", AddressClass::kReserved},
          {"100::/64", AddressClass::kReserved},  // discard
          {"2001:db8::/32", AddressClass::kDocumentation},
          // RFC 9637 reserves 3fff::/20; this guard has always refused all of 3fff::/16.
          {"3fff::/16", AddressClass::kDocumentation},
          {"2001:2::/48", AddressClass::kBenchmarking},
          {"2001::/23", AddressClass::kReserved},
          {"5f00::/16", AddressClass::kReserved},  // SRv6 SIDs
          {"fc00::/7", AddressClass::kPrivate},
          {"fe80::/10", AddressClass::kLinkLocal},
          {"fec0::/10", AddressClass::kReserved},  // site-local (deprecated)
          {"ff00::/8", AddressClass::kMulticast},
      },
      [](const char* text) { return ip::make_network_v6(text); });
  return table;
}

AddressClass classify4(const ip::address_v4& a) {
  for (const auto& r : ranges4()) {
    if (in(a, r.net)) return r.cls;
  }
  return AddressClass::kGlobal;
}

// v4_at - the IPv4 address in octets offset to offset + 3 of a.
ip::address_v4 v4_at(const ip::address_v6& a, std::size_t offset) {
  const auto b = a.to_bytes();
  return ip::address_v4({b[offset], b[offset + 1], b[offset + 2], b[offset + 3]});
}

AddressClass classify6(const ip::address_v6& a) {
  static const auto compatible = ip::make_network_v6("::/96");
  static const auto nat64 = ip::make_network_v6("64:ff9b::/96");
  static const auto six_to_four = ip::make_network_v6("2002::/16");
  static const auto global_unicast = ip::make_network_v6("2000::/3");
  if (a.is_unspecified()) return AddressClass::kUnspecified;
  if (a.is_loopback()) return AddressClass::kLoopback;
  if (in(a, compatible)) return AddressClass::kReserved;  // IPv4-compatible (deprecated)
  // ::ffff:0:0/96 IPv4-mapped, 64:ff9b::/96 NAT64 and 2002::/16 6to4: judged by the IPv4
  // address inside.
  if (a.is_v4_mapped() || in(a, nat64)) return classify4(v4_at(a, 12));
  if (in(a, six_to_four)) return classify4(v4_at(a, 2));
  for (const auto& r : ranges6()) {
    if (in(a, r.net)) return r.cls;
  }
  // Outside 2000::/3 nothing is allocated for global unicast.
  return in(a, global_unicast) ? AddressClass::kGlobal : AddressClass::kReserved;
}

}  // namespace

std::vector<std::string> non_public_networks() {
  std::vector<std::string> out;
  for (const auto& r : ranges4()) out.push_back(r.net.to_string());
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
    ip::address_v4::bytes_type a4{};
    if (::inet_pton(AF_INET, s.c_str(), a4.data()) != 1) return AddressClass::kInvalid;
    return classify4(ip::address_v4(a4));
  }
  // inet_pton, not asio's parser: that one also takes a scope ("fe80::1%eth0"), which is no
  // address a public service should be asked to reach.
  ip::address_v6::bytes_type a6{};
  if (::inet_pton(AF_INET6, s.c_str(), a6.data()) != 1) return AddressClass::kInvalid;
  return classify6(ip::address_v6(a6));
}

bool is_public(std::string_view text) { return classify_address(text) == AddressClass::kGlobal; }

}  // namespace mc
