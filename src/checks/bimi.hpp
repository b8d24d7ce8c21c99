// bimi.hpp - the bimi check, information only (never fails an audit): is a BIMI record published at
// default._bimi.<domain>, is it well formed, and does the DMARC policy meet BIMI's precondition
// (p=quarantine or p=reject applied to all mail, subdomains not exempt)?
//
// collect_bimi(resolver, domain): I/O: TXT at default._bimi.<domain>.
// evaluate_bimi(data, dmarc): PURE: state and findings.
// bimi_view(data, dmarc, evaluation): rendering. bimi_report: the three together.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "checks/dmarc.hpp"
#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct BimiData {
  std::string domain;
  dns::Answer txt;  // default._bimi.<domain> TXT
  double elapsed_ms = 0;

  std::string owner() const { return "default._bimi." + domain; }
  std::vector<std::string> records() const;  // the TXT records that start with v=BIMI1
};

// BimiPrecondition - the DMARC policy as BIMI reads it: enforcing for all mail, subdomains too.
struct BimiPrecondition {
  std::optional<policy::dmarc::Policy> policy;  // none: no valid DMARC policy
  int pct = 100;
  bool subdomains_exempt = false;  // sp=none
  bool enforcing() const {
    return policy && *policy != policy::dmarc::Policy::kNone && pct == 100 && !subdomains_exempt;
  }
};
BimiPrecondition bimi_precondition(const DmarcData& dmarc);

boost::asio::awaitable<BimiData> collect_bimi(dns::Resolver& resolver, const DomainName& domain,
                                              std::chrono::steady_clock::time_point audit_start);

Evaluation evaluate_bimi(const BimiData& data, const DmarcData& dmarc);
AreaView bimi_view(const BimiData& data, const DmarcData& dmarc, const Evaluation& evaluation);
AreaReport bimi_report(const BimiData& data, const DmarcData& dmarc);

}  // namespace mc::checks
