// test_support.hpp - builders of DNS answers for the pure-evaluation unit tests.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/report_model.hpp"
#include "dns/answer.hpp"

namespace mc::test {

inline dns::Record rr(std::string owner, std::uint16_t type, std::vector<std::string> fields,
                      std::uint32_t ttl = 3600) {
  dns::Record r;
  r.owner = std::move(owner);
  r.type = type;
  r.ttl = ttl;
  r.fields = std::move(fields);
  return r;
}

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
    dns::Record r = rr(qname, dns::rrtype::kTxt, {"\"" + t + "\""});
    r.strings = {std::move(t)};
    recs.push_back(std::move(r));
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
inline std::vector<std::string> ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mc::test
