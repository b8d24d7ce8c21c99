// wire.cpp - DNS wire-format response parsing with ldns; see wire.hpp.
//
// Each record's RDATA is decoded twice from ldns's fields: to presentation text (evidence) and,
// for the types the checkers read, to the typed structs of answer.hpp. ldns leaves out the
// fields a short RDATA does not reach (and rejects a fixed-size field cut in two), so a decoder
// checks that each field it reads is there with the size its type has; when one is not, the
// record keeps no typed RDATA (std::monostate) and the checkers treat it as malformed.
#include "dns/wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "core/domain_name.hpp"
// ldns last: its headers define C macros.
#include <ldns/ldns.h>

namespace mc::dns {
namespace {

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct CharDeleter {
  void operator()(char* p) const { free(p); }  // NOLINT: ldns allocates with malloc
};

// rdf_text - presentation form of one field, without the padding ldns adds to some types.
std::string rdf_text(const ldns_rdf* rdf) {
  std::unique_ptr<char, CharDeleter> s(ldns_rdf2str(rdf));
  std::string out = s ? std::string(s.get()) : std::string("?");
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

// Reader - reads one record's ldns fields in order into typed members. A field that is
// missing, of another ldns type or of the wrong size fails the reader, and it stays failed.
class Reader {
 public:
  explicit Reader(const ldns_rr* rr) : rr_(rr) {}

  bool ok() const { return ok_; }

  Reader& u8(std::uint8_t& out, ldns_rdf_type type = LDNS_RDF_TYPE_INT8) {
    if (const ldns_rdf* rdf = next(type, 1)) out = ldns_rdf2native_int8(rdf);
    return *this;
  }
  Reader& u16(std::uint16_t& out, ldns_rdf_type type = LDNS_RDF_TYPE_INT16) {
    if (const ldns_rdf* rdf = next(type, 2)) out = ldns_rdf2native_int16(rdf);
    return *this;
  }
  Reader& u32(std::uint32_t& out, ldns_rdf_type type = LDNS_RDF_TYPE_INT32) {
    if (const ldns_rdf* rdf = next(type, 4)) out = ldns_rdf2native_int32(rdf);
    return *this;
  }
  Reader& name(std::string& out) {
    if (const ldns_rdf* rdf = next(LDNS_RDF_TYPE_DNAME)) out = normalize_dns_name(rdf_text(rdf));
    return *this;
  }
  // text - the field's presentation form (an address).
  Reader& text(std::string& out, ldns_rdf_type type, std::size_t size) {
    if (const ldns_rdf* rdf = next(type, size)) out = rdf_text(rdf);
    return *this;
  }
  // bytes - a field that runs to the end of the RDATA (hex or base64 in presentation form).
  Reader& bytes(std::vector<std::uint8_t>& out, ldns_rdf_type type) {
    if (const ldns_rdf* rdf = next(type)) {
      const std::uint8_t* data = ldns_rdf_data(rdf);
      out.assign(data, data + ldns_rdf_size(rdf));
    }
    return *this;
  }
  // optional_bytes - bytes(), where a field ldns left out is empty: the RDATA ended before it.
  Reader& optional_bytes(std::vector<std::uint8_t>& out, ldns_rdf_type type) {
    if (index_ < ldns_rr_rd_count(rr_)) return bytes(out, type);
    out.clear();
    return *this;
  }
  // counted - a field whose first octet is the length of the rest (the NSEC3 salt, RFC 5155
  // §3.2); the value is the rest.
  Reader& counted(std::vector<std::uint8_t>& out, ldns_rdf_type type) {
    bytes(out, type);
    if (ok_ && (out.empty() || out.front() + 1u != out.size())) ok_ = false;
    if (ok_) out.erase(out.begin());
    return *this;
  }

 private:
  // next - the next field if it has this ldns type (and size, when one is given).
  const ldns_rdf* next(ldns_rdf_type type, std::size_t size = 0) {
    const std::size_t i = index_++;
    const ldns_rdf* rdf = ok_ && i < ldns_rr_rd_count(rr_) ? ldns_rr_rdf(rr_, i) : nullptr;
    if (rdf == nullptr || ldns_rdf_get_type(rdf) != type ||
        (size != 0 && ldns_rdf_size(rdf) != size)) {
      ok_ = false;
      return nullptr;
    }
    return rdf;
  }

  const ldns_rr* rr_;
  std::size_t index_ = 0;
  bool ok_ = true;
};

// decoded - value when every field read, else no typed RDATA.
template <class T>
Rdata decoded(const Reader& r, T&& value) {
  return r.ok() ? Rdata(std::forward<T>(value)) : Rdata();
}

Rdata address(const ldns_rr* rr, ldns_rdf_type type) {
  AddressRdata a;
  Reader r(rr);
  r.text(a.address, type, type == LDNS_RDF_TYPE_A ? 4 : 16);
  return decoded(r, std::move(a));
}

Rdata name_target(const ldns_rr* rr) {
  NameRdata n;
  Reader r(rr);
  r.name(n.name);
  return decoded(r, std::move(n));
}

Rdata mx(const ldns_rr* rr) {
  MxRdata m;
  Reader r(rr);
  r.u16(m.preference).name(m.exchange);
  return decoded(r, std::move(m));
}

// ds - RFC 4034 §5.1; a DS cut after the digest type keeps an empty digest.
Rdata ds(const ldns_rr* rr) {
  DsRdata d;
  Reader r(rr);
  r.u16(d.key_tag).u8(d.algorithm, LDNS_RDF_TYPE_ALG).u8(d.digest_type);
  r.optional_bytes(d.digest, LDNS_RDF_TYPE_HEX);
  return decoded(r, std::move(d));
}

// dnskey - RFC 4034 §2.1; a DNSKEY cut after the algorithm keeps an empty key.
Rdata dnskey(const ldns_rr* rr) {
  DnskeyRdata k;
  Reader r(rr);
  r.u16(k.flags).u8(k.protocol).u8(k.algorithm, LDNS_RDF_TYPE_ALG);
  r.optional_bytes(k.public_key, LDNS_RDF_TYPE_B64);
  return decoded(r, std::move(k));
}

// rrsig - RFC 4034 §3.1: every field up to the signer's name; the signature may be empty.
Rdata rrsig(const ldns_rr* rr) {
  RrsigRdata s;
  Reader r(rr);
  r.u16(s.type_covered, LDNS_RDF_TYPE_TYPE).u8(s.algorithm, LDNS_RDF_TYPE_ALG).u8(s.labels);
  r.u32(s.original_ttl).u32(s.expiration, LDNS_RDF_TYPE_TIME).u32(s.inception, LDNS_RDF_TYPE_TIME);
  r.u16(s.key_tag).name(s.signer).optional_bytes(s.signature, LDNS_RDF_TYPE_B64);
  return decoded(r, std::move(s));
}

// nsec3param - RFC 5155 §4.2: the salt's length octet must be there (0 for no salt).
Rdata nsec3param(const ldns_rr* rr) {
  Nsec3ParamRdata p;
  Reader r(rr);
  r.u8(p.hash_algorithm).u8(p.flags).u16(p.iterations);
  r.counted(p.salt, LDNS_RDF_TYPE_NSEC3_SALT);
  return decoded(r, std::move(p));
}

// tlsa - RFC 6698 §2.1: all four fields; RDATA without association data is malformed.
Rdata tlsa(const ldns_rr* rr) {
  TlsaRdata t;
  Reader r(rr);
  r.u8(t.usage, LDNS_RDF_TYPE_CERTIFICATE_USAGE).u8(t.selector, LDNS_RDF_TYPE_SELECTOR);
  r.u8(t.matching_type, LDNS_RDF_TYPE_MATCHING_TYPE).bytes(t.data, LDNS_RDF_TYPE_HEX);
  return decoded(r, std::move(t));
}

// decode - the typed RDATA of the types the checkers read.
Rdata decode(const ldns_rr* rr, std::uint16_t type) {
  switch (type) {
    case rrtype::kA:
      return address(rr, LDNS_RDF_TYPE_A);
    case rrtype::kAaaa:
      return address(rr, LDNS_RDF_TYPE_AAAA);
    case rrtype::kCname:
    case rrtype::kNs:
    case rrtype::kPtr:
      return name_target(rr);
    case rrtype::kMx:
      return mx(rr);
    case rrtype::kDs:
      return ds(rr);
    case rrtype::kDnskey:
      return dnskey(rr);
    case rrtype::kRrsig:
      return rrsig(rr);
    case rrtype::kNsec3param:
      return nsec3param(rr);
    case rrtype::kTlsa:
      return tlsa(rr);
    default:
      return {};
  }
}

Record convert(const ldns_rr* rr) {
  Record rec;
  rec.owner = normalize_dns_name(rdf_text(ldns_rr_owner(rr)));
  rec.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  rec.ttl = ldns_rr_ttl(rr);
  rec.rdata = decode(rr, rec.type);
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    if (rdf == nullptr) continue;
    switch (ldns_rdf_get_type(rdf)) {
      case LDNS_RDF_TYPE_DNAME:
        rec.fields.push_back(normalize_dns_name(rdf_text(rdf)));
        break;
      case LDNS_RDF_TYPE_STR: {
        const std::uint8_t* data = ldns_rdf_data(rdf);
        const std::size_t size = ldns_rdf_size(rdf);
        if (size >= 1 && data[0] + 1u <= size) {
          rec.strings.emplace_back(reinterpret_cast<const char*>(data + 1), data[0]);
        }
        rec.fields.push_back(rdf_text(rdf));
        break;
      }
      default:
        rec.fields.push_back(rdf_text(rdf));
    }
  }
  return rec;
}

}  // namespace

Result<ParsedResponse> parse_response(std::span<const std::uint8_t> wire, std::string_view qname,
                                      std::uint16_t qtype) {
  ldns_pkt* raw = nullptr;
  ldns_status st = ldns_wire2pkt(&raw, wire.data(), wire.size());
  std::unique_ptr<ldns_pkt, PktDeleter> pkt(raw);
  if (st != LDNS_STATUS_OK || !pkt) {
    return make_error(ErrorKind::kMalformed,
                      fmt::format("malformed DNS response: {}", ldns_get_errorstr_by_id(st)));
  }
  ParsedResponse out;
  out.rcode = static_cast<int>(ldns_pkt_get_rcode(pkt.get()));
  std::vector<Record> all;
  const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    all.push_back(convert(ldns_rr_list_rr(answer, i)));
  }
  // Follow the chain from qname (RFC 1034 §3.6.2). A loop or a chain longer than we follow is a
  // malformed answer: calling it NODATA would, for MX, turn into a wrong implicit MX.
  std::string current = normalize_dns_name(qname);
  for (int step = 0; qtype != rrtype::kCname; ++step) {
    const Record* link = nullptr;
    for (const auto& r : all) {
      if (r.type == rrtype::kCname && r.owner == current && r.target() != nullptr) {
        link = &r;
        break;
      }
    }
    if (link == nullptr) break;
    const std::string& to = link->target()->name;
    const bool loop = std::any_of(out.cname_chain.begin(), out.cname_chain.end(),
                                  [&](const CnameLink& c) { return c.from == to; }) ||
                      to == current;
    if (loop || step == kMaxCnameChain) {
      return make_error(ErrorKind::kMalformed,
                        loop ? fmt::format("CNAME loop at {}", current)
                             : fmt::format("CNAME chain longer than {} links", kMaxCnameChain));
    }
    out.cname_chain.push_back(CnameLink{current, to, link->ttl});
    current = to;
  }
  for (const auto& r : all) {
    // The RRSIG's Original TTL field (RFC 4034 §3.1.4) is the TTL the zone publishes; the TTL a
    // cache hands out counts down, and rollover timing needs the full one.
    const RrsigRdata* sig = r.rrsig();
    if (sig != nullptr && r.owner == current && sig->type_covered == qtype) {
      out.original_ttl = sig->original_ttl;
    }
  }
  for (auto& r : all) {
    if (r.type == qtype && r.owner == current) out.records.push_back(std::move(r));
  }
  return out;
}

}  // namespace mc::dns
