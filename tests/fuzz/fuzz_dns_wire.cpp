// fuzz_dns_wire.cpp - parse_response on arbitrary bytes: hostile DNS messages never crash.
#include <cstddef>
#include <cstdint>

#include "dns/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> wire(data, size);
  for (std::uint16_t type : {mc::dns::rrtype::kMx, mc::dns::rrtype::kA, mc::dns::rrtype::kTxt}) {
    auto r = mc::dns::parse_response(wire, "example.nz", type);
    if (r) {
      for (const auto& rec : r->records) (void)rec.text();
    }
  }
  return 0;
}
