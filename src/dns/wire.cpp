// wire.cpp - DNS wire-format response parsing with ldns; see wire.hpp.
#include "dns/wire.hpp"

#include <fmt/format.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <memory>

#include "core/domain_name.hpp"

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

Record convert(const ldns_rr* rr) {
  Record rec;
  rec.owner = normalize_dns_name(rdf_text(ldns_rr_owner(rr)));
  rec.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  rec.ttl = ldns_rr_ttl(rr);
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
      if (r.type == rrtype::kCname && r.owner == current && !r.fields.empty()) {
        link = &r;
        break;
      }
    }
    if (link == nullptr) break;
    const bool loop = std::any_of(out.cname_chain.begin(), out.cname_chain.end(),
                                  [&](const CnameLink& c) { return c.from == link->fields[0]; }) ||
                      link->fields[0] == current;
    if (loop || step == kMaxCnameChain) {
      return make_error(ErrorKind::kMalformed,
                        loop ? fmt::format("CNAME loop at {}", current)
                             : fmt::format("CNAME chain longer than {} links", kMaxCnameChain));
    }
    out.cname_chain.push_back(CnameLink{current, link->fields[0], link->ttl});
    current = link->fields[0];
  }
  for (auto& r : all) {
    // The RRSIG's Original TTL field is the TTL the zone publishes; the TTL a cache hands out
    // counts down, and rollover timing needs the full one.
    if (r.type == rrtype::kRrsig && r.owner == current && r.fields.size() > 3 &&
        r.fields[0] == type_name(qtype)) {
      try {
        out.original_ttl = static_cast<std::uint32_t>(std::stoul(r.fields[3]));
      } catch (...) {
      }
    }
  }
  for (auto& r : all) {
    if (r.type == qtype && r.owner == current) out.records.push_back(std::move(r));
  }
  return out;
}

}  // namespace mc::dns
