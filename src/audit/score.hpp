// score.hpp - the grade of a domain audit, by the rules in docs/scoring.md. PURE.
//
// grade(report): each scored area contributes weight x (pass 100, warn 60, fail/none 0); areas
// whose status is "error" are left out (the grade says it is incomplete). DANE and MTA-STS both
// authenticate the transport, so they share one weight and the better of the two counts. A
// domain with a null MX (RFC 7505) is judged as a non-mail domain: only dnssec, spf (-all) and
// dmarc (reject) are expected. An mx failure makes the grade F; any failed area caps it at C.
#pragma once

#include "core/report_model.hpp"

namespace mc::audit {

Grade grade(const Report& report);

}  // namespace mc::audit
