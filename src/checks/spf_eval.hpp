// spf_eval.hpp - the SPF check_host() function (RFC 7208 §4-§7), with its DNS lookups.
//
// check_host(lookup, input, limits) evaluates the SPF policy of input.domain for input.ip the way a
// receiving MTA does: record selection (§4.5), syntax first (§4.6), mechanisms left to right
// (§5), redirect and exp (§6), macros (§7), and the processing limits (§4.6.4: 10 lookup terms,
// 10 MX names per mx, 10 PTR names, 2 void lookups). It returns the result (§2.6), the
// explanation for a fail (§6.2), and a trace of every step for the report.
//
// DNS errors: a SERVFAIL (including a DNSSEC validation failure), another RCODE or a timeout gives
// temperror (§4.4, §5); NXDOMAIN inside a mechanism is "no records" (§5). Lookups go through
// `lookup` (normally Resolver::query), so every one has the resolver's deadline.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/answer.hpp"
#include "policy/spf_parser.hpp"

namespace mc::checks::spf {

enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };
std::string_view to_string(SpfResult r);

using Lookup =
    std::function<boost::asio::awaitable<dns::Answer>(std::string name, std::uint16_t type)>;

struct EvalInput {
  policy::spf::IpAddress ip;  // the SMTP client; an IPv4-mapped IPv6 address is evaluated as IPv4
  std::string domain;         // the identity's domain (MAIL FROM domain, or the HELO name)
  std::string sender;         // MAIL FROM ("" for a null reverse-path: postmaster@helo)
  std::string helo;
  std::string receiver = "unknown";  // %{r}
  std::int64_t timestamp = 0;        // %{t}
  std::string default_explanation;   // for a fail without an exp= (empty: a built-in text)
};

struct EvalLimits {
  int lookup_terms = 10;  // §4.6.4
  int void_lookups = 2;   // §4.6.4 (SHOULD)
  int mx_names = 10;      // per mx term
  int ptr_names = 10;     // per ptr term and %{p}
};

struct TraceStep {
  int depth = 0;        // 0: the checked domain; 1: an include or redirect target; ...
  std::string domain;   // whose record
  std::string step;     // "record", "term", "include", "redirect", "exp", "limit"
  std::string detail;   // the term or record text
  std::string outcome;  // what happened
};

struct Evaluation {
  SpfResult result = SpfResult::kNone;
  std::string explanation;  // fail only (§6.2)
  std::string reason;       // one line: what decided the result
  std::string record;       // the checked domain's own record, if one was selected
  int lookup_terms = 0;     // counted as evaluated (§4.6.4)
  int void_lookups = 0;
  std::vector<TraceStep> trace;
};

boost::asio::awaitable<Evaluation> check_host(Lookup lookup, EvalInput input,
                                              EvalLimits limits = {});

// presentation_name - a name built by macro expansion (any octets) in DNS presentation form
// (RFC 1035 §5.1), escaped exactly as answers print their names.
std::string presentation_name(std::string_view raw);

// valid_target - §4.3: labels of 1-63 octets, at least two labels, no domain literal.
bool valid_target(std::string_view name);

}  // namespace mc::checks::spf
