// fuzz_dns_wire.cpp - parse_response on arbitrary bytes: hostile DNS messages never crash, and
// every typed RDATA the decoder yields can be read whole.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "dns/wire.hpp"

namespace {

// size_of - reads every member of the typed RDATA, so the sanitizers see any bad decode.
struct SizeOf {
  std::size_t operator()(std::monostate) const { return 0; }
  std::size_t operator()(const mc::dns::AddressRdata& a) const { return a.address.size(); }
  std::size_t operator()(const mc::dns::NameRdata& n) const { return n.name.size(); }
  std::size_t operator()(const mc::dns::MxRdata& m) const {
    return m.preference + m.exchange.size();
  }
  std::size_t operator()(const mc::dns::DsRdata& d) const {
    return d.key_tag + d.algorithm + d.digest_type + d.digest.size();
  }
  std::size_t operator()(const mc::dns::DnskeyRdata& k) const {
    return k.flags + k.protocol + k.algorithm + k.public_key.size();
  }
  std::size_t operator()(const mc::dns::RrsigRdata& s) const {
    return s.type_covered + s.algorithm + s.labels + s.original_ttl + s.expiration + s.inception +
           s.key_tag + s.signer.size() + s.signature.size();
  }
  std::size_t operator()(const mc::dns::Nsec3ParamRdata& p) const {
    return p.hash_algorithm + p.flags + p.iterations + p.salt.size();
  }
  std::size_t operator()(const mc::dns::TlsaRdata& t) const {
    return t.usage + t.selector + t.matching_type + t.data.size();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace rrtype = mc::dns::rrtype;
  std::span<const std::uint8_t> wire(data, size);
  volatile std::size_t sink = 0;
  for (std::uint16_t type : {rrtype::kMx, rrtype::kA, rrtype::kAaaa, rrtype::kTxt, rrtype::kTlsa,
                             rrtype::kDnskey, rrtype::kDs, rrtype::kNsec3param, rrtype::kRrsig}) {
    auto r = mc::dns::parse_response(wire, "example.nz", type);
    if (r) {
      for (const auto& rec : r->records) {
        (void)rec.text();
        sink = sink + std::visit(SizeOf{}, rec.rdata);
      }
    }
  }
  return 0;
}
