// address_class_test.cpp - the SSRF guard's view of addresses (IANA special-purpose registries).
#include "core/address_class.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mc {
namespace {

struct Case {
  const char* address;
  AddressClass cls;
};

TEST(AddressClass, SpecialPurposeRanges) {
  const Case cases[] = {
      {"8.8.8.8", AddressClass::kGlobal},
      {"203.0.114.1", AddressClass::kGlobal},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"10.1.2.3", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kGlobal},
      {"192.168.1.1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kSharedCgnat},
      {"100.127.255.255", AddressClass::kSharedCgnat},
      {"100.128.0.1", AddressClass::kGlobal},
      {"127.53.0.53", AddressClass::kLoopback},
      {"169.254.169.254", AddressClass::kLinkLocal},  // the cloud metadata address
      {"192.0.2.1", AddressClass::kDocumentation},
      {"198.51.100.7", AddressClass::kDocumentation},
      {"203.0.113.9", AddressClass::kDocumentation},
      {"198.18.0.1", AddressClass::kBenchmarking},
      {"198.19.255.255", AddressClass::kBenchmarking},
      {"224.0.0.1", AddressClass::kMulticast},
      {"240.0.0.1", AddressClass::kReserved},
      {"255.255.255.255", AddressClass::kReserved},
      {"192.0.0.8", AddressClass::kReserved},
      {"2a00:1450:4001::1", AddressClass::kGlobal},
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fd00::1", AddressClass::kPrivate},
      {"fe80::1", AddressClass::kLinkLocal},
      {"fec0::1", AddressClass::kReserved},
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8:25::1", AddressClass::kDocumentation},
      {"3fff::1", AddressClass::kDocumentation},
      {"2001:2::1", AddressClass::kBenchmarking},
      {"2001::1", AddressClass::kReserved},  // Teredo
      {"100::1", AddressClass::kReserved},
      {"5f00::1", AddressClass::kReserved},
      {"4000::1", AddressClass::kReserved},  // outside 2000::/3
      // Range edges.
      {"9.255.255.255", AddressClass::kGlobal},
      {"11.0.0.0", AddressClass::kGlobal},
      {"100.63.255.255", AddressClass::kGlobal},
      {"172.15.255.255", AddressClass::kGlobal},
      {"192.88.99.1", AddressClass::kReserved},
      {"192.31.196.1", AddressClass::kReserved},
      {"198.17.255.255", AddressClass::kGlobal},
      {"198.20.0.0", AddressClass::kGlobal},
      {"223.255.255.255", AddressClass::kGlobal},
      {"64:ff9b:1::1", AddressClass::kReserved},
      {"64:ff9b:2::1", AddressClass::kReserved},  // outside 2000::/3
      {"2001:1ff:ffff::1", AddressClass::kReserved},
      {"2001:200::1", AddressClass::kGlobal},
      {"2001:2:1::1", AddressClass::kReserved},  // past 2001:2::/48, still in 2001::/23
      {"2001:db7:ffff::1", AddressClass::kGlobal},
      {"2001:db9::1", AddressClass::kGlobal},
      {"2003::1", AddressClass::kGlobal},
      {"3ffe::1", AddressClass::kGlobal},
      {"1fff:ffff::1", AddressClass::kReserved},
      {"fbff::1", AddressClass::kReserved},
      {"fe80::", AddressClass::kLinkLocal},
      {"febf:ffff::1", AddressClass::kLinkLocal},
      {"::2", AddressClass::kReserved},  // IPv4-compatible
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_string(classify_address(c.address)), to_string(c.cls)) << c.address;
  }
}

TEST(AddressClass, EmbeddedIpv4CannotSmuggleATarget) {
  EXPECT_EQ(classify_address("::ffff:127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(classify_address("::ffff:7f00:1"), AddressClass::kLoopback);
  EXPECT_EQ(classify_address("::ffff:10.0.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(classify_address("::ffff:8.8.8.8"), AddressClass::kGlobal);
  EXPECT_EQ(classify_address("64:ff9b::a9fe:a9fe"), AddressClass::kLinkLocal);  // NAT64
  EXPECT_EQ(classify_address("2002:c0a8:0101::1"), AddressClass::kPrivate);     // 6to4 192.168.1.1
  EXPECT_EQ(classify_address("::127.0.0.1"), AddressClass::kReserved);          // IPv4-compatible
}

TEST(AddressClass, GarbageIsNeverPublic) {
  for (const char* bad : {"", "localhost", "127.1", "0x7f.0.0.1", "1.2.3.4.5", "::g", "[::1]",
                          "1.2.3.4 ", "fe80::1%eth0"}) {
    EXPECT_FALSE(is_public(bad)) << bad;
  }
  EXPECT_TRUE(is_public("8.8.8.8"));
}

}  // namespace
// The resolver's do-not-query list comes from the classifier: every network in it starts at an
// address that is not public, and the addresses the classifier rejects fall in one of them.
TEST(AddressClass, NonPublicNetworksMatchTheClassifier) {
  const auto nets = non_public_networks();
  for (const auto& n : nets) {
    const std::string base = n.substr(0, n.find('/'));
    EXPECT_FALSE(is_public(base)) << n;
  }
  for (const char* must : {"10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
                           "192.31.196.0/24", "::/3", "8000::/1", "2001::/23", "2002::/16"}) {
    EXPECT_NE(std::find(nets.begin(), nets.end(), must), nets.end()) << must;
  }
}

}  // namespace mc
