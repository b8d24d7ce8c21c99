// dmarc_discovery.hpp - which DMARC record a receiver applies to a domain, which Organizational
// Domain it uses for alignment, and which policy follows, under each rule set. PURE: the TXT
// answers come in through a lookup function; the caller has fetched them.
//
// RFC 9989 (§4.10): policy discovery asks the Author Domain, then walks the DNS tree toward the
//   root (at most 8 queries: a name of 8 or more labels is cut to its 7-label suffix), stopping at
//   a record with psd=y or psd=n. The Organizational Domain is chosen from the records found
//   (§4.10.2): psd=n names itself, psd=y makes the name one label below it, otherwise the record
//   with the fewest labels wins; with none it is the start domain. The policy applied is the
//   Author Domain's record, else the Organizational Domain's, else the Public Suffix Domain's.
// RFC 7489 (§6.6.3, §3.2): the Author Domain, else the Organizational Domain from the Public
//   Suffix List; several records at a name end discovery (no DMARC); pct applies, t is unknown.
//
// walk_names(start)            - the names after start that a DNS Tree Walk queries (§4.10 4-7).
// discover(rules, author, ...) - the record, its domain and level, and the Organizational Domain.
// organizational_domain_9989() - the Organizational Domain of any name (report hosts, §4.10.2).
// apply(discovery, rules, ...) - the policy such a receiver applies to mail from the author.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/dmarc.hpp"

namespace mc::policy::dmarc {

// One TXT lookup at _dmarc.<name>, as the caller fetched it.
struct TxtLookup {
  bool ok = true;                    // false: no answer (SERVFAIL, timeout, bogus)
  std::string failure;               // why, when !ok
  std::vector<std::string> records;  // every TXT record, strings joined
};

// lookup(name) - the answer for _dmarc.<name>, or nullptr when the caller did not fetch it (a
// programmer error; it reads as a failed lookup).
using Lookup = std::function<const TxtLookup*(std::string_view name)>;

std::vector<std::string> walk_names(std::string_view start);

enum class Level { kAuthor, kOrganizational, kPublicSuffix };
std::string_view to_string(Level l);

enum class Outcome {
  kRecord,    // a record applies
  kNone,      // no record: receivers apply no DMARC
  kMultiple,  // RFC 7489: several records where one was needed, so no DMARC
  kFailed,    // a lookup a receiver needs failed: its handling is the receiver's choice
};
std::string_view to_string(Outcome o);

struct Discovery {
  RuleSet rules = RuleSet::kRfc9989;
  Outcome outcome = Outcome::kNone;
  std::string policy_domain;  // where the applied record is published
  std::string record;         // its text
  Level level = Level::kAuthor;
  std::string org_domain;             // the author's Organizational Domain (alignment)
  bool org_known = true;              // false: a lookup the choice depends on failed
  std::string org_basis;              // how it was chosen, in a phrase
  std::vector<std::string> queried;   // _dmarc names in the order a receiver asks them
  std::vector<std::string> multiple;  // names whose several records were discarded
  std::string failed_name;            // the lookup that failed
  std::string failure;
};

// discover - psl_org is the Public Suffix List's Organizational Domain (used by RFC 7489 only).
Discovery discover(RuleSet rules, std::string_view author, std::string_view psl_org,
                   const Lookup& lookup);

struct OrgDomain {
  std::string domain;
  bool known = true;
  std::string basis;
  std::vector<std::string> queried;
};
OrgDomain organizational_domain_9989(std::string_view start, const Lookup& lookup);

// The policy a receiver applies to failing mail from the author domain.
struct Applied {
  std::optional<Policy> policy;  // nullopt: no DMARC processing at all
  std::optional<Policy> stated;  // what the record asks for (before t=y), when valid
  std::string tag;               // "p", "sp" or "np": where the stated policy came from
  int pct = 100;                 // RFC 7489 only: the share of failing mail it applies to
  bool testing = false;          // RFC 9989 only: t=y lowered the policy one level
  bool sampled_out = false;      // RFC 7489 only: pct=0 lowered it one level for all mail
  bool void_policy = false;      // an invalid (or, RFC 7489, missing) p/sp/np
  std::string why;               // a phrase for the report
};
// author_exists: false when the author domain is NXDOMAIN (RFC 9989 §3.2.13: np applies).
Applied apply(const Discovery& d, std::string_view author, bool author_exists = true);

// weaker - the weaker of two policies (none < quarantine < reject); nullopt is weakest.
std::optional<Policy> weaker(std::optional<Policy> a, std::optional<Policy> b);
int strength(std::optional<Policy> p);

}  // namespace mc::policy::dmarc
