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

// txt - a TXT answer whose records each hold one character-string.
inline dns::Answer txt(std::string qname, std::vector<std::string> texts,
                       dns::Security security = dns::Security::kSecure) {
  std::vector<dns::Record> recs;
  for (auto& t : texts) {
    // Character-strings of at most 255 octets (RFC 1035 §3.3), as a zone would publish them.
    std::vector<std::string> fields;
    for (std::size_t i = 0; i == 0 || i < t.size(); i += 255) {
      fields.push_back("\"" + t.substr(i, 255) + "\"");
    }
    recs.push_back(rr(qname, dns::rrtype::kTxt, fields));
  }
  const bool none = recs.empty();
  return answer(std::move(qname), dns::rrtype::kTxt,
                none ? dns::Outcome::kNoData : dns::Outcome::kData, security, std::move(recs));
}

// failed - a lookup that did not answer: SERVFAIL (bogus or not) or a timeout.
inline dns::Answer failed(std::string qname, std::uint16_t qtype, dns::Outcome outcome,
                          dns::Security security = dns::Security::kIndeterminate) {
  dns::Answer a = answer(std::move(qname), qtype, outcome, security);
  if (outcome == dns::Outcome::kTimeout) a.error = "no answer within 5 s";
  return a;
}

// ids - the finding ids of an area, sorted.
inline std::vector<std::string> ids(const AreaReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.id);
  std::sort(out.begin(), out.end());
  return out;
}
// finding - the area's finding with that id; a test failure (and an empty finding) without one.
const Finding& finding(const AreaReport& r, const std::string& id);

// report_with - a Report of bare areas with these statuses (no findings, no data).
inline Report report_with(std::initializer_list<std::pair<Area, Status>> areas) {
  Report r;
  for (const auto& [a, s] : areas) {
    AreaReport ar;
    ar.area = a;
    ar.status = s;
    r.areas.push_back(ar);
  }
  return r;
}

inline std::vector<std::string> ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mc::test
