// dmarc.hpp - DMARC policy records (RFC 7489 §6.3-§6.4, with the DMARCbis tags np, psd, t).
// PURE (no I/O).
//
// is_dmarc_record(txt) - §6.6.3 step 3: the record starts with the tag v=DMARC1 (the value is
//                        case-sensitive; whitespace around "=" is allowed by the ABNF).
// parse_dmarc(txt)     - every tag with its value checked; each problem is a Diagnostic with the
//                        offset of its tag. Unknown tags are kept and ignored (§6.3). A missing or
//                        invalid p is an error (§6.6.3 step 6); errors in other tags mean defaults.
// parse_uri(text)      - one rua/ruf entry: URI plus optional "!size[kmgt]" (§6.2).
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

struct Diagnostic {
  std::size_t pos = 0;
  std::string tag;
  std::string message;
};

struct ReportUri {
  std::string text;     // as written, size suffix included
  std::string uri;      // without the size suffix
  std::string scheme;   // lower case: "mailto", "https", ...
  std::string mailbox;  // mailto: the address
  std::string host;     // mailto: the address's domain (lower case); https: the host
  std::optional<std::uint64_t> max_size;  // octets, from "!10m"
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
  char psd = 'u';                    // DMARCbis: y, n, u
  bool testing = false;              // DMARCbis t=y
  bool p_second = false;             // RFC 7489 §6.4: p must come right after v
  std::vector<std::string> tags;     // tag names in order
  std::vector<std::string> unknown;  // unknown tag names (ignored)
};

struct ParseResult {
  Record record;
  std::vector<Diagnostic> errors;    // p missing or invalid, or a malformed tag-list
  std::vector<Diagnostic> warnings;  // a bad value in another tag (its default applies)
  bool ok() const { return errors.empty(); }
};

bool is_dmarc_record(std::string_view txt);
ParseResult parse_dmarc(std::string_view txt);
ReportUri parse_uri(std::string_view text);

}  // namespace mc::policy::dmarc
