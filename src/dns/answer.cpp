// answer.cpp - presentation helpers for Answer; see answer.hpp.
#include "dns/answer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
// ldns last: its headers define C macros.
#include <ldns/ldns.h>

namespace mc::dns {

std::string type_name(std::uint16_t type) {
  const ldns_rr_descriptor* d = ldns_rr_descript(type);
  if (d != nullptr && d->_name != nullptr) return d->_name;
  return fmt::format("TYPE{}", type);
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kData:
      return "data";
    case Outcome::kNoData:
      return "nodata";
    case Outcome::kNxDomain:
      return "nxdomain";
    case Outcome::kServFail:
      return "servfail";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kError:
      return "error";
  }
  return "error";
}

std::string_view to_string(Security security) {
  switch (security) {
    case Security::kSecure:
      return "secure";
    case Security::kInsecure:
      return "insecure";
    case Security::kBogus:
      return "bogus";
    case Security::kIndeterminate:
      return "indeterminate";
  }
  return "indeterminate";
}

std::string Record::txt() const {
  std::string out;
  for (const auto& s : strings) out += s;
  return out;
}

std::string Record::rdata_text() const {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ' ';
    out += f;
  }
  return out;
}

std::string Record::text() const {
  return fmt::format("{}{} {} IN {} {}", owner, owner == "." ? "" : ".", ttl, type_name(type),
                     rdata_text());
}

std::uint32_t Answer::min_ttl() const {
  std::uint32_t ttl = UINT32_MAX;
  for (const auto& r : records) ttl = std::min(ttl, r.ttl);
  for (const auto& c : cname_chain) ttl = std::min(ttl, c.ttl);
  return ttl == UINT32_MAX ? 0 : ttl;
}

std::vector<std::string> Answer::addresses() const {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (const auto* a = r.address()) out.push_back(a->address);
  }
  return out;
}

std::string Answer::describe() const {
  std::string what;
  switch (outcome) {
    case Outcome::kData:
      what = fmt::format("{} {} record{}", records.size(), type_name(qtype),
                         records.size() == 1 ? "" : "s");
      break;
    case Outcome::kNoData:
      what = fmt::format("no {} records (NODATA)", type_name(qtype));
      break;
    case Outcome::kNxDomain:
      what = "name does not exist (NXDOMAIN)";
      break;
    case Outcome::kServFail:
      what = security == Security::kBogus
                 ? fmt::format("validation failed (bogus), {} unusable record(s)", records.size())
                 : std::string("server failure (SERVFAIL)");
      break;
    case Outcome::kTimeout:
      what = "no answer in time";
      break;
    case Outcome::kError:
      what = error.empty() ? "lookup error" : error;
      break;
  }
  std::string out =
      fmt::format("{} {}: {}, DNSSEC {}", qname, type_name(qtype), what, to_string(security));
  if (security == Security::kBogus && !why_bogus.empty()) out += fmt::format(" ({})", why_bogus);
  if (outcome == Outcome::kTimeout && !error.empty()) out += fmt::format(" ({})", error);
  return out;
}

std::vector<std::string> Answer::evidence_lines() const {
  std::vector<std::string> out;
  for (const auto& c : cname_chain) {
    out.push_back(fmt::format("{}. {} IN CNAME {}.", c.from, c.ttl, c.to));
  }
  // A failed or bogus answer says so first; bogus records follow only as evidence.
  if (outcome != Outcome::kData) out.push_back(describe());
  for (const auto& r : records) out.push_back(r.text());
  return out;
}

}  // namespace mc::dns

namespace mc::dns {
nlohmann::json to_json(const Answer& a) {
  nlohmann::json j;
  j["qname"] = a.qname;
  j["qtype"] = type_name(a.qtype);
  j["outcome"] = to_string(a.outcome);
  j["rcode"] = a.rcode;
  j["dnssec"] = to_string(a.security);
  if (!a.why_bogus.empty()) j["why_bogus"] = a.why_bogus;
  if (!a.error.empty()) j["error"] = a.error;
  j["ttl"] = a.min_ttl();
  j["records"] = nlohmann::json::array();
  for (const auto& r : a.records) j["records"].push_back(r.text());
  j["cname_chain"] = nlohmann::json::array();
  for (const auto& c : a.cname_chain) {
    j["cname_chain"].push_back({{"from", c.from}, {"to", c.to}, {"ttl", c.ttl}});
  }
  j["elapsed_ms"] = a.elapsed_ms;
  return j;
}
}  // namespace mc::dns
