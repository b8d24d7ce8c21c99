// test_support.cpp - DNS messages and records built with ldns; see test_support.hpp.
#include "test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "dns/wire.hpp"

// ldns last: its headers define C macros.
#include <ldns/ldns.h>

namespace mc::test {
namespace {

std::string absolute(const std::string& name) { return name.ends_with('.') ? name : name + "."; }

}  // namespace

std::vector<std::uint8_t> dns_message(const std::string& qname, std::uint16_t qtype,
                                      const std::vector<std::string>& rrs, int rcode) {
  ldns_pkt* pkt = nullptr;
  EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, absolute(qname).c_str(),
                                       static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, LDNS_RD),
            LDNS_STATUS_OK);
  if (pkt == nullptr) return {};
  std::unique_ptr<ldns_pkt, void (*)(ldns_pkt*)> owner(pkt, ldns_pkt_free);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_rcode(pkt, static_cast<std::uint8_t>(rcode));
  std::unique_ptr<ldns_rdf, void (*)(ldns_rdf*)> root(ldns_dname_new_frm_str("."),
                                                      ldns_rdf_deep_free);
  for (const auto& text : rrs) {
    ldns_rr* rr = nullptr;
    const ldns_status st = ldns_rr_new_frm_str(&rr, text.c_str(), 3600, root.get(), nullptr);
    EXPECT_EQ(st, LDNS_STATUS_OK) << text << ": " << ldns_get_errorstr_by_id(st);
    if (st == LDNS_STATUS_OK) ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
  }
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
  std::vector<std::uint8_t> out(wire, wire + size);
  std::free(wire);  // NOLINT: ldns allocates with malloc
  return out;
}

dns::Record rr(const std::string& owner, std::uint16_t type, const std::vector<std::string>& fields,
               std::uint32_t ttl) {
  std::string text = fmt::format("{} {} IN {}", absolute(owner), ttl, dns::type_name(type));
  for (const auto& f : fields) text += " " + f;
  auto parsed = dns::parse_response(dns_message(owner, type, {text}), owner, type);
  if (!parsed || parsed->records.size() != 1) {
    ADD_FAILURE() << "no record from '" << text << "'";
    dns::Record r;
    r.owner = owner;
    r.type = type;
    r.ttl = ttl;
    return r;
  }
  return std::move(parsed->records.front());
}

const Finding& finding(const AreaReport& r, const std::string& id) {
  for (const auto& f : r.findings) {
    if (f.id == id) return f;
  }
  ADD_FAILURE() << "no finding " << id;
  static const Finding none;
  return none;
}

}  // namespace mc::test
