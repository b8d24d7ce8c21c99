// dmarc.hpp - DMARC policy records as RFC 9989 (§4.7, §4.8) and RFC 7489 (§6.3, §6.4) receivers
// read them. PURE (no I/O).
//
// is_dmarc_record(txt) - RFC 9989 §4.7 (RFC 7489 §6.6.3 step 3): the record starts with the tag
//                        v=DMARC1 (the value is case-sensitive; whitespace around "=" is allowed).
// parse_dmarc(txt)     - every tag with its value checked; each problem is a Diagnostic with the
//                        offset of its tag and the rule set it applies to. Unknown tags are kept
//                        and ignored (RFC 9989 §4.7: MUST be ignored). An invalid p or sp voids
//                        the policy for both kinds of receiver (RFC 9989 §4.10.1, RFC 7489 §6.6.3
//                        step 6); a missing p only for RFC 7489 ones (RFC 9989 reads p=none); an
//                        invalid np only for RFC 9989 ones (RFC 7489 does not know np). Bad values
//                        of other tags mean defaults (warnings).
// parse_uri(text)      - one rua/ruf entry: URI plus optional "!size[kmgt]" (RFC 7489 §6.2;
//                        obsolete syntax in RFC 9989 §4.8, where receivers ignore the size).
// Fuzzed by tests/fuzz/fuzz_dmarc.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::policy::dmarc {

enum class Policy { kNone, kQuarantine, kReject };
std::string_view to_string(Policy p);

// The two rule sets receivers follow during the transition: RFC 9989 (the standard since May
// 2026, DNS Tree Walk) and RFC 7489 (Public Suffix List, pct). Names as in the JSON.
enum class RuleSet { kRfc9989, kRfc7489 };
std::string_view to_string(RuleSet r);

// Which receivers a diagnostic concerns.
enum class Scope { kBoth, kRfc9989, kRfc7489 };
bool applies(Scope s, RuleSet r);

struct Diagnostic {
  std::size_t pos = 0;
  std::string tag;
  std::string message;
  Scope scope = Scope::kBoth;
};

struct ReportUri {
  std::string text;     // as written, size suffix included
  std::string uri;      // without the size suffix
  std::string scheme;   // lower case: "mailto", "https", ...
  std::string mailbox;  // mailto: the address
  std::string host;     // mailto: the address's domain (lower case); https: the host
  std::optional<std::uint64_t> max_size;  // octets, from "!10m" (obsolete in RFC 9989 §4.8)
  bool valid = false;
  std::string error;
};

struct Record {
  std::optional<Policy> p;
  std::optional<Policy> sp;
  std::optional<Policy> np;  // DMARCbis
  char adkim = 'r';
  char aspf = 'r';
  std::string fo = "0";
  int pct = 100;
  bool pct_given = false;
  std::uint32_t ri = 86400;
  std::vector<ReportUri> rua;
  std::vector<ReportUri> ruf;
  char psd = 'u';                     // RFC 9989: y, n, u
  bool testing = false;               // RFC 9989 t=y
  bool p_second = false;              // RFC 7489 §6.4: p must come right after v
  std::vector<std::string> tags;      // tag names in order
  std::vector<std::string> unknown;   // unknown tag names (ignored by every receiver)
  std::vector<std::string> obsolete;  // pct, rf, ri as given (RFC 9989 App. C.5.2)
  bool size_limits = false;           // a report URI carries "!size" (RFC 9989 §4.8, C.4)

  // has_valid_rua - at least one syntactically valid rua URI: with an invalid policy, receivers
  // then act as p=none instead of applying no DMARC (RFC 9989 §4.10.1, RFC 7489 §6.6.3 step 6).
  bool has_valid_rua() const;
};

struct ParseResult {
  Record record;
  std::vector<Diagnostic> errors;             // the policy is void for the receivers of the scope
  std::vector<Diagnostic> warnings;           // a bad value in another tag (its default applies)
  bool ok() const { return errors.empty(); }  // valid for every receiver
  bool ok(RuleSet r) const;                   // valid for receivers following r
};

bool is_dmarc_record(std::string_view txt);
ParseResult parse_dmarc(std::string_view txt);
ReportUri parse_uri(std::string_view text);

}  // namespace mc::policy::dmarc
