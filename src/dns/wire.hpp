// wire.hpp - parse a DNS response in wire format into Records and a CNAME chain. PURE: no I/O.
//
// parse_response(bytes, qname, qtype): decodes the message with ldns, follows the CNAME chain from
// qname through the answer section (at most kMaxCnameChain links, RFC 1034 §3.6.2), and returns the
// records of qtype owned by the final name. Everything in the packet is untrusted: malformed input
// yields kMalformed, never a crash. Fuzzed by tests/fuzz/fuzz_dns_wire.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/answer.hpp"

namespace mc::dns {

constexpr int kMaxCnameChain = 16;

struct ParsedResponse {
  int rcode = 0;
  std::vector<Record> records;
  std::vector<CnameLink> cname_chain;
  std::uint32_t original_ttl = 0;  // from a covering RRSIG (RFC 4034 §3.1.4); 0 when unsigned
};

Result<ParsedResponse> parse_response(std::span<const std::uint8_t> wire, std::string_view qname,
                                      std::uint16_t qtype);

}  // namespace mc::dns
