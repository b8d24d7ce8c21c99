// dmarc.hpp - the dmarc check: which DMARC policy do receivers apply to the domain, how strong is
// it, and will its reports arrive? Judged as RFC 9989 receivers do (the standard since May 2026),
// and shown beside what RFC 7489 receivers, still common, do wherever the two differ.
//
// collect_dmarc(resolver, domain): one parallel round of TXT lookups at _dmarc.<name> for the
//   domain, every name of its DNS Tree Walk (RFC 9989 §4.10) and its Public Suffix List
//   Organizational Domain (RFC 7489 §3.2); policy discovery under both rule sets from those
//   answers (policy/dmarc_discovery.hpp); then a second round for the report destinations: the
//   tree walk of each report host (its Organizational Domain, RFC 9989 §4.10.2) and the
//   authorization record <policy domain>._report._dmarc.<host> (RFC 9990 §4, RFC 7489 §7.1),
//   plus the domain's own existence when an np= policy could apply (RFC 9989 §3.2.13).
// evaluate_dmarc(data): PURE: state and findings, each finding marked with the rule set it comes
//   from, and the next record on the none -> quarantine -> reject path in a form both kinds of
//   receiver read the same way (one small function per rule, in dmarc.cpp).
// dmarc_view(data, evaluation): rendering: summary, facts, JSON details; dmarc_report joins them.
// effective_policy(data): the weakest policy either kind of receiver applies to mail from the
//   domain itself (pct from RFC 7489), for the spf advice and the BIMI precondition.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "policy/dmarc.hpp"
#include "policy/dmarc_discovery.hpp"

namespace mc::checks {

// A report destination host of the applied record(s), and whether it has agreed to the reports.
struct DmarcDestination {
  std::string uri;                 // the first URI with this host, as written
  std::string host;                // the report destination's domain
  std::string policy_domain;       // the domain whose record names it
  std::string name;                // <policy domain>._report._dmarc.<host>
  bool for_9989 = false;           // named by the record RFC 9989 receivers apply
  bool for_7489 = false;           // named by the record RFC 7489 receivers apply
  bool external_7489 = false;      // Organizational Domains differ by the PSL
  bool external_9989 = false;      // ... by the DNS Tree Walk
  bool org_known_9989 = true;      // the host's tree walk finished
  std::string host_org_9989;       // the host's Organizational Domain (tree walk)
  std::optional<dns::Answer> txt;  // the authorization lookup, when it was needed
};

struct DmarcData {
  std::string domain;
  std::string org_domain;  // the Public Suffix List's (RFC 7489)
  std::string psl_source;
  std::map<std::string, dns::Answer, std::less<>> txt;  // _dmarc.<name> answers, by name
  std::optional<dns::Answer> existence;  // A at the domain, asked when np could apply
  policy::dmarc::Discovery rfc9989;
  policy::dmarc::Discovery rfc7489;
  std::vector<DmarcDestination> destinations;
  double elapsed_ms = 0;

  // lookup - the answers above in the form policy discovery reads.
  policy::dmarc::Lookup lookup() const;
  // author_exists - false only when the domain is known not to exist (NXDOMAIN).
  bool author_exists() const;
  policy::dmarc::Applied applied(policy::dmarc::RuleSet rules) const;
  const policy::dmarc::Discovery& discovery(policy::dmarc::RuleSet rules) const {
    return rules == policy::dmarc::RuleSet::kRfc9989 ? rfc9989 : rfc7489;
  }
  // policy_applies - a policy was found and is judged: no failed lookup, no duplicate records
  // where a receiver needs one.
  bool policy_applies() const;
  bool inherited() const {
    return rfc9989.outcome == policy::dmarc::Outcome::kRecord &&
           rfc9989.level != policy::dmarc::Level::kAuthor;
  }

 private:
  mutable std::map<std::string, policy::dmarc::TxtLookup, std::less<>> cache_;
};

boost::asio::awaitable<DmarcData> collect_dmarc(dns::Resolver& resolver, const DomainName& domain,
                                                std::chrono::steady_clock::time_point audit_start);

Evaluation evaluate_dmarc(const DmarcData& data);
AreaView dmarc_view(const DmarcData& data, const Evaluation& evaluation);
AreaReport dmarc_report(const DmarcData& data);

// Whether a report destination has agreed to receive the domain's reports (RFC 9990 §4, RFC
// 7489 §7.1).
enum class Authorization {
  kNotNeeded,     // inside the Organizational Domain for every rule set that names it
  kUndecidable,   // whether it is external could not be decided (its tree walk failed)
  kNameTooLong,   // the authorization name is over 253 octets: no receiver can confirm it
  kNotChecked,    // the authorization lookup failed
  kAuthorized,    // a v=DMARC1 record at the authorization name
  kUnauthorized,  // none there
};
struct DestinationCheck {
  Authorization authorization = Authorization::kNotNeeded;
  std::string rules;  // "both", "rfc9990" or "rfc7489": who needs the authorization
  std::vector<std::string> elsewhere;  // override rua URIs on another host (RFC 9990 §4 step 9)
};
DestinationCheck check_destination(const DmarcDestination& destination);

std::optional<policy::dmarc::Policy> effective_policy(const DmarcData& data, int* pct = nullptr);

// dmarc_records - the TXT strings of each record joined, those starting with v=DMARC1.
std::vector<std::string> dmarc_records(const dns::Answer& txt);

}  // namespace mc::checks
