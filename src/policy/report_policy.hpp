// report_policy.hpp - the two small tag-list records next to DMARC: SMTP TLS Reporting (RFC 8460
// §3) and BIMI assertion records (draft-brand-indicators-for-message-identification §4). PURE.
//
// parse_tlsrpt(txt) - v=TLSRPTv1 first (exact), then exactly one rua= with comma-separated mailto:
//   or https: URIs; extension fields are allowed and ignored (§3).
// parse_bimi(txt)   - v=BIMI1 first (exact), l= (an https URI of an SVG logo, or empty: the
//   domain declines to show one), a= (an https URI of a PEM mark certificate, or empty).
// Fuzzed by tests/fuzz/fuzz_report_policy.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/dmarc.hpp"

namespace mc::policy {

struct TlsRptRecord {
  std::vector<dmarc::ReportUri> rua;
  std::vector<std::string> extensions;  // other field names
};
struct TlsRptParse {
  TlsRptRecord record;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};
bool is_tlsrpt_record(std::string_view txt);
TlsRptParse parse_tlsrpt(std::string_view txt);

struct BimiRecord {
  std::string logo;         // l=
  std::string certificate;  // a=
  bool declined = false;    // l= empty: no logo to show
};
struct BimiParse {
  BimiRecord record;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};
bool is_bimi_record(std::string_view txt);
BimiParse parse_bimi(std::string_view txt);

}  // namespace mc::policy
