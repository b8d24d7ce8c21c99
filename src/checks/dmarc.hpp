// dmarc.hpp - the dmarc check: does the domain publish one valid DMARC policy, how strong is it,
// and will its reports arrive? (RFC 7489, DMARCbis tags understood)
//
// collect_dmarc(resolver, domain): TXT at _dmarc.<domain>; when nothing valid is there and the
//   domain is below its organizational domain (Public Suffix List, §3.2), TXT at
//   _dmarc.<organizational domain> (§6.6.3); then, for every report URI whose host lies in another
//   organizational domain, the authorization record <policy domain>._report._dmarc.<host> (§7.1).
// evaluate_dmarc(data): PURE: status, facts, details and findings, with the next record on the
//   none -> quarantine -> reject path.
// effective_policy(data): the policy a receiver applies to mail from the domain itself (p, or sp
//   when inherited from the organizational domain), for the spf advice and the BIMI precondition.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "policy/dmarc.hpp"

namespace mc::checks {

struct DmarcDestination {
  std::string uri;   // as written
  std::string host;  // the report destination's domain
  std::string name;  // <policy domain>._report._dmarc.<host>
  dns::Answer txt;
};

struct DmarcData {
  std::string domain;
  std::string org_domain;
  std::string psl_source;
  dns::Answer own;                 // _dmarc.<domain>
  std::optional<dns::Answer> org;  // _dmarc.<org domain>, when asked
  std::vector<DmarcDestination> destinations;
  double elapsed_ms = 0;

  // The answer the policy came from (own, or org when own had no valid record), its domain, and
  // the DMARC records in it (v=DMARC1 first).
  const dns::Answer& policy_answer() const;
  std::string policy_domain() const;
  std::vector<std::string> records() const;
  bool inherited() const { return org.has_value() && &policy_answer() == &*org; }
};

boost::asio::awaitable<DmarcData> collect_dmarc(dns::Resolver& resolver, const DomainName& domain,
                                                std::chrono::steady_clock::time_point audit_start);

AreaReport evaluate_dmarc(const DmarcData& data);

std::optional<policy::dmarc::Policy> effective_policy(const DmarcData& data, int* pct = nullptr);

// dmarc_records - the TXT strings of each record joined, those starting with v=DMARC1 (§6.6.3).
std::vector<std::string> dmarc_records(const dns::Answer& txt);

}  // namespace mc::checks
