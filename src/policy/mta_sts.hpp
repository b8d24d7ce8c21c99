// mta_sts.hpp - MTA-STS (RFC 8461): the _mta-sts TXT record, the policy file, and MX patterns.
// PURE (no I/O).
//
// is_sts_record(txt) - §3.1: begins with v=STSv1 and a field delimiter (records that do not are
//                      discarded by senders).
// parse_txt(txt)     - §3.1 ABNF: v=STSv1 first, exactly one id of 1-32 letters/digits, extension
//                      fields tolerated (name and value syntax checked).
// parse_policy(body) - §3.2: "key: value" lines ended by LF or CRLF; version STSv1, mode
//                      enforce|testing|none, max_age 0-31557600, one or more mx patterns (a
//                      leftmost "*." only); unknown keys ignored; duplicate and missing keys and
//                      malformed lines diagnosed with their line numbers.
//                      An mx line that is not §3.2 syntax (a trailing dot, an empty label, a
//                      "*" anywhere but as the whole leftmost label) does not void the policy:
//                      it is kept apart (mx_malformed) with a warning, and matches nothing,
//                      which is how the strictest senders read it.
// mx_matches(p, h)   - §4.1: exact name, or "*.d" matching exactly one label below d; a
//                      pattern that is not §3.2 syntax matches nothing.
// mx_matches_lenient(p, h) - how lenient senders read a malformed pattern (dots normalised, "*"
//                      standing for one label wherever it is), to say who still matches it.
// corrected_pattern(p) - the §3.2 form of a malformed pattern, or empty when there is none.
// Fuzzed by tests/fuzz/fuzz_mta_sts.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::policy::mta_sts {

enum class Mode { kEnforce, kTesting, kNone };
std::string_view to_string(Mode m);

inline constexpr std::uint32_t kMaxMaxAge = 31557600;  // §3.2: about one year

struct TxtRecord {
  std::string id;
  std::vector<std::string> extensions;
};
struct TxtParse {
  TxtRecord record;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

bool is_sts_record(std::string_view txt);
TxtParse parse_txt(std::string_view txt);

struct Policy {
  std::optional<std::string> version;
  std::optional<Mode> mode;
  std::optional<std::uint32_t> max_age;
  std::vector<std::string> mx;  // valid patterns as written (lower-cased)
  struct MalformedMx {
    std::size_t line = 0;
    std::string pattern;  // as written (lower-cased)
    std::string problem;
  };
  std::vector<MalformedMx> mx_malformed;  // mx lines that are not §3.2 syntax
  std::vector<std::string> extensions;
  bool crlf = false;  // lines end in CRLF (both are allowed)
};

struct Diagnostic {
  std::size_t line = 0;  // 1-based; 0 for the policy as a whole
  std::string message;
};

struct PolicyParse {
  Policy policy;
  std::vector<Diagnostic> errors;    // the policy is invalid: senders treat it as no policy
  std::vector<Diagnostic> warnings;  // tolerated oddities (duplicates of ignored lines, ...)
  bool ok() const { return errors.empty(); }
};

PolicyParse parse_policy(std::string_view body);

bool mx_matches(std::string_view pattern, std::string_view host);
bool mx_matches_lenient(std::string_view pattern, std::string_view host);
std::string corrected_pattern(std::string_view pattern);

}  // namespace mc::policy::mta_sts
