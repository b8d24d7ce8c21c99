// answer.hpp - one DNS answer as the checkers see it: outcome, DNSSEC state, records, CNAME chain.
//
// Tri-state (and more) results are explicit (house style, Postfix): NXDOMAIN, NODATA, SERVFAIL,
// timeout and other errors are distinct outcomes, and the DNSSEC state is one of four values
// (RFC 4035 §4.3), never a bool.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mc::dns {

// RR types the checkers ask for (IANA "Resource Record (RR) TYPEs").
namespace rrtype {
constexpr std::uint16_t kA = 1;
constexpr std::uint16_t kNs = 2;
constexpr std::uint16_t kCname = 5;
constexpr std::uint16_t kSoa = 6;
constexpr std::uint16_t kMx = 15;
constexpr std::uint16_t kTxt = 16;
constexpr std::uint16_t kAaaa = 28;
constexpr std::uint16_t kDs = 43;
constexpr std::uint16_t kRrsig = 46;
constexpr std::uint16_t kDnskey = 48;
constexpr std::uint16_t kNsec3param = 51;
constexpr std::uint16_t kTlsa = 52;
}  // namespace rrtype

std::string type_name(std::uint16_t type);  // "MX", "TYPE65534"

enum class Outcome {
  kData,      // NOERROR with records of the asked type
  kNoData,    // NOERROR, name exists, no records of that type
  kNxDomain,  // the name does not exist
  kServFail,  // SERVFAIL (including a validation failure: see Security::kBogus)
  kTimeout,   // no answer before the deadline
  kError,     // another RCODE (REFUSED, FORMERR, ...), a malformed reply, or a local failure
};

// RFC 4035 §4.3 states. kIndeterminate: the data needed to decide could not be obtained (the lookup
// failed), which RFC 7672 §2.1.1 treats like bogus: a sender defers.
enum class Security { kSecure, kInsecure, kBogus, kIndeterminate };

std::string_view to_string(Outcome outcome);
std::string_view to_string(Security security);

struct Record {
  std::string owner;  // canonical (lower case, no trailing dot)
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::vector<std::string> fields;   // RDATA fields in presentation form; names canonical
  std::vector<std::string> strings;  // TXT: the raw character-strings, unescaped

  std::string rdata_text() const;  // fields joined by spaces
  // txt - a TXT record's character-strings joined with nothing between them (RFC 7208 §3.3,
  // RFC 6376 §3.6.2.2, RFC 7489 §6.1: how SPF, DKIM and DMARC read a record).
  std::string txt() const;
  std::string text() const;  // "owner. TTL IN TYPE rdata", zone-file style
};

struct CnameLink {
  std::string from;
  std::string to;
  std::uint32_t ttl = 0;
};

struct Answer {
  std::string qname;  // canonical
  std::uint16_t qtype = 0;
  Outcome outcome = Outcome::kError;
  int rcode = -1;  // wire RCODE, -1 when no reply was received
  Security security = Security::kIndeterminate;
  std::string why_bogus;               // the validator's reason, for kBogus
  std::string error;                   // what went wrong, for kTimeout and kError
  std::vector<Record> records;         // records of qtype at the end of the CNAME chain
  std::vector<CnameLink> cname_chain;  // aliases followed from qname, in order
  std::uint32_t original_ttl = 0;      // the TTL the zone publishes (RRSIG), 0 if unknown
  double elapsed_ms = 0;

  bool has_data() const { return outcome == Outcome::kData; }
  // a determinate answer: data, or a name/type that does not exist.
  bool is_answer() const {
    return outcome == Outcome::kData || outcome == Outcome::kNoData ||
           outcome == Outcome::kNxDomain;
  }
  const std::string& final_name() const {
    return cname_chain.empty() ? qname : cname_chain.back().to;
  }
  std::uint32_t min_ttl() const;
  // describe - "NOERROR secure, 2 records" style one-liner for evidence.
  std::string describe() const;
  // evidence_lines - the records (or the failure) as presentation lines.
  std::vector<std::string> evidence_lines() const;
};

}  // namespace mc::dns

namespace mc::dns {
// to_json - the documented "lookup" object of the JSON report (docs/json-schema.md).
nlohmann::json to_json(const Answer& answer);
}  // namespace mc::dns
