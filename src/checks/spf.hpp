// spf.hpp - the spf check: is the domain's SPF policy published once, well formed, within the
// processing limits, and does it say something (RFC 7208)?
//
// collect_spf(resolver, domain): the domain's TXT (and obsolete type-99 SPF) records, then the
//   whole include/redirect tree breadth-first, each record parsed, and every macro-free a, mx and
//   exists target resolved, so the lookup cost, void lookups and a flattened record can be
//   computed without evaluating for any particular client.
// authorise_mx(resolver, mx, domain): check_host() for each address of the domain's own MX hosts
//   (do the servers that receive the domain's mail pass its SPF if they also send?).
// evaluate_spf(data, context): PURE: state and findings with exact fixes (one small function per
//   rule, in spf.cpp); spf_view renders the summary, facts and JSON details; spf_report joins them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "checks/spf_eval.hpp"
#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "policy/dmarc.hpp"
#include "policy/spf_parser.hpp"

namespace mc::checks {

// One DNS-querying term of a record, resolved where its target has no macro.
struct SpfTermLookup {
  std::string term;  // as written
  policy::spf::Mechanism mechanism = policy::spf::Mechanism::kA;
  std::string target;                          // the name looked up ("" when it holds a macro)
  dns::Outcome outcome = dns::Outcome::kData;  // of the term's own lookup
  std::vector<std::string> addresses;          // a: A+AAAA; mx: every exchange's addresses
  std::size_t mx_names = 0;
  bool lookup_failed = false;  // a lookup of this term (or of an exchange) failed
};

struct SpfNode {
  std::string domain;
  int depth = 0;
  int parent = -1;
  std::string via;  // "include:x" or "redirect=x" in the parent; "" for the domain itself
  dns::Answer txt;
  std::vector<std::string> records;  // the v=spf1 TXT records at the name, strings joined
  std::optional<policy::spf::ParseResult> parsed;  // when exactly one record
  std::vector<SpfTermLookup> lookups;
  std::vector<int> children;   // include and redirect targets, in record order
  bool loop = false;           // the name is already on the path from the root
  std::size_t txt_octets = 0;  // TXT RDATA octets at the name (§3.4: keep the answer small)
  int own_terms = 0;           // DNS-querying terms in this record (§4.6.4)
  int total_terms = 0;         // own_terms plus every child's total: the worst case
};

struct SpfData {
  std::string domain;
  dns::Answer spf_type;        // type 99 (obsolete, §14.1)
  std::vector<SpfNode> nodes;  // nodes[0] is the domain itself
  bool truncated = false;      // the tree had more nodes than one audit follows
  double elapsed_ms = 0;

  // record_usable - exactly one record at the domain, and it parses (§4.5, §4.6).
  bool record_usable() const;
};

struct MxAuthorisation {
  std::string host;
  std::string address;
  spf::SpfResult result = spf::SpfResult::kNone;
  std::string reason;
};

inline constexpr std::size_t kMaxSpfNodes = 40;

boost::asio::awaitable<SpfData> collect_spf(dns::Resolver& resolver, const DomainName& domain,
                                            std::chrono::steady_clock::time_point audit_start);

boost::asio::awaitable<std::vector<MxAuthorisation>> authorise_mx(dns::Resolver& resolver,
                                                                  const MxData& mx,
                                                                  const DomainName& domain);

// What the other areas tell this one.
struct SpfContext {
  std::vector<MxAuthorisation> mx_auth;  // check_host() for the domain's own MX addresses
  bool sends_no_mail = false;            // only null MX records: the advice is v=spf1 -all
  std::optional<policy::dmarc::Policy> dmarc_policy;  // effective; it decides the ~all advice
};
SpfContext spf_context(const MxData& mx, std::vector<MxAuthorisation> mx_auth,
                       std::optional<policy::dmarc::Policy> dmarc_policy);

// void_lookups - every resolved term whose name does not exist (§4.6.4), as "domain: term (why)".
std::vector<std::string> void_lookups(const SpfData& data);

Evaluation evaluate_spf(const SpfData& data, const SpfContext& context);
AreaView spf_view(const SpfData& data, const SpfContext& context, const Evaluation& evaluation);
AreaReport spf_report(const SpfData& data, const SpfContext& context);

// txt_record - a zone-file TXT line for text, split into quoted strings of at most 255 octets at
// spaces (each piece keeps its leading space, RFC 7208 §3.3).
std::string txt_record(const std::string& owner, const std::string& text, int ttl = 3600);

}  // namespace mc::checks
