// answer.hpp - one DNS answer as the checkers see it: outcome, DNSSEC state, records, CNAME chain.
//
// Tri-state (and more) results are explicit (house style, Postfix): NXDOMAIN, NODATA, SERVFAIL,
// timeout and other errors are distinct outcomes, and the DNSSEC state is one of four values
// (RFC 4035 §4.3), never a bool.
//
// A Record carries its RDATA twice: typed (Record::rdata, read through the accessors mx(),
// tlsa(), ds(), ...), decoded once from the wire by wire.cpp for the types the checkers read; and
// as presentation text (fields, rdata_text()), the evidence shown to people. An accessor returns
// nullptr when the record is of another type or its RDATA did not decode: a malformed record is
// a value the checker skips or reports, never an exception.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mc::dns {

// RR types the checkers ask for (IANA "Resource Record (RR) TYPEs").
namespace rrtype {
constexpr std::uint16_t kA = 1;
constexpr std::uint16_t kNs = 2;
constexpr std::uint16_t kCname = 5;
constexpr std::uint16_t kSoa = 6;
constexpr std::uint16_t kPtr = 12;
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

// Typed RDATA. Names are canonical (lower case, no trailing dot; the root is ".") and in
// presentation form (a dot inside a label is "\.").

// A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.2): the address in its standard text form.
struct AddressRdata {
  std::string address;  // "192.0.2.1", "2001:db8::1"
};

// CNAME, PTR or NS (RFC 1035 §3.3.1, §3.3.12, §3.3.11): the one domain name.
struct NameRdata {
  std::string name;
};

// MX (RFC 1035 §3.3.9). A null MX (RFC 7505) has exchange ".".
struct MxRdata {
  std::uint16_t preference = 0;
  std::string exchange;
};

// DS (RFC 4034 §5.1). The digest may be empty.
struct DsRdata {
  std::uint16_t key_tag = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t digest_type = 0;
  std::vector<std::uint8_t> digest;
};

// DNSKEY (RFC 4034 §2.1). The public key may be empty.
struct DnskeyRdata {
  std::uint16_t flags = 0;
  std::uint8_t protocol = 0;
  std::uint8_t algorithm = 0;
  std::vector<std::uint8_t> public_key;
};

// RRSIG (RFC 4034 §3.1). Times are the wire's 32-bit serial values (RFC 4034 §3.1.5).
struct RrsigRdata {
  std::uint16_t type_covered = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t labels = 0;
  std::uint32_t original_ttl = 0;
  std::uint32_t expiration = 0;
  std::uint32_t inception = 0;
  std::uint16_t key_tag = 0;
  std::string signer;
  std::vector<std::uint8_t> signature;
};

// NSEC3PARAM (RFC 5155 §4.2). An empty salt is shown as "-" (§3.3).
struct Nsec3ParamRdata {
  std::uint8_t hash_algorithm = 0;
  std::uint8_t flags = 0;
  std::uint16_t iterations = 0;
  std::vector<std::uint8_t> salt;
};

// TLSA (RFC 6698 §2.1). Values are not judged here: policy/tlsa.hpp says which are usable.
struct TlsaRdata {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::vector<std::uint8_t> data;
};

// monostate: a type no checker reads typed (TXT has Record::strings), or RDATA that did not decode.
using Rdata = std::variant<std::monostate, AddressRdata, NameRdata, MxRdata, DsRdata, DnskeyRdata,
                           RrsigRdata, Nsec3ParamRdata, TlsaRdata>;

struct Record {
  std::string owner;  // canonical (lower case, no trailing dot)
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  Rdata rdata;                       // typed, for the checkers
  std::vector<std::string> fields;   // RDATA fields in presentation form, for evidence
  std::vector<std::string> strings;  // TXT: the raw character-strings, unescaped

  // The typed RDATA, or nullptr for another type or RDATA that did not decode.
  const AddressRdata* address() const { return std::get_if<AddressRdata>(&rdata); }
  const NameRdata* target() const { return std::get_if<NameRdata>(&rdata); }
  const MxRdata* mx() const { return std::get_if<MxRdata>(&rdata); }
  const DsRdata* ds() const { return std::get_if<DsRdata>(&rdata); }
  const DnskeyRdata* dnskey() const { return std::get_if<DnskeyRdata>(&rdata); }
  const RrsigRdata* rrsig() const { return std::get_if<RrsigRdata>(&rdata); }
  const Nsec3ParamRdata* nsec3param() const { return std::get_if<Nsec3ParamRdata>(&rdata); }
  const TlsaRdata* tlsa() const { return std::get_if<TlsaRdata>(&rdata); }

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
  // addresses - the text of every A or AAAA record that decoded, in answer order.
  std::vector<std::string> addresses() const;
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
