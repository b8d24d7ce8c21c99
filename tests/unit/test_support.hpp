// test_support.hpp - builders of DNS answers for the pure-evaluation unit tests.
//
// dns_message(qname, qtype, rrs, rcode): a response in wire format, built with ldns from records
//   in zone-file form ("example.nz. 300 IN MX 10 mx.example.nz.").
// rr(owner, type, fields): one Record as parse_response decodes it from such a message, so the
//   typed RDATA the checkers read is the decoder's, not a test's idea of it. Names in fields may
//   omit the trailing dot. A record ldns cannot parse fails the test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/report_model.hpp"
#include "dns/answer.hpp"

namespace mc::test {

std::vector<std::uint8_t> dns_message(const std::string& qname, std::uint16_t qtype,
                                      const std::vector<std::string>& rrs, int rcode = 0);

dns::Record rr(const std::string& owner, std::uint16_t type, const std::vector<std::string>& fields,
               std::uint32_t ttl = 3600);

inline dns::Answer answer(std::string qname, std::uint16_t qtype, dns::Outcome outcome,
                          dns::Security security, std::vector<dns::Record> records = {}) {
  dns::Answer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  a.outcome = outcome;
  a.security = security;
  a.rcode = outcome == dns::Outcome::kNxDomain ? 3 : outcome == dns::Outcome::kServFail ? 2 : 0;
  a.records = std::move(records);
  if (security == dns::Security::kBogus) a.why_bogus = "signature expired";
  return a;
}

inline dns::Answer secure_data(std::string qname, std::uint16_t qtype,
                               std::vector<std::vector<std::string>> rdatas) {
  std::vector<dns::Record> recs;
  for (auto& f : rdatas) recs.push_back(rr(qname, qtype, std::move(f)));
  return answer(std::move(qname), qtype, dns::Outcome::kData, dns::Security::kSecure,
                std::move(recs));
}

inline dns::Answer nodata(std::string qname, std::uint16_t qtype,
                          dns::Security security = dns::Security::kSecure) {
  return answer(std::move(qname), qtype, dns::Outcome::kNoData, security);
}

// ids - the finding ids of an area, sorted.
inline std::vector<std::string> ids(const AreaReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mc::test
