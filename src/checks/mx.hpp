// mx.hpp - the mx check: where senders deliver the domain's mail (RFC 5321 §5.1, RFC 7505).
//
// collect_mx(resolver, domain): the MX RRset, then the A and AAAA records of every exchange at once
//   (or of the domain itself when it has no MX: implicit MX). No connections are made here.
// evaluate_mx(data): PURE: state and findings from the collected answers (one function per rule).
// mx_view(data, evaluation): rendering: summary, facts, JSON details. mx_report: all three.
// The collected MxData is shared with the dnssec check, so nothing is looked up twice.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct MxEntry {
  std::uint16_t preference = 0;
  std::string exchange;  // canonical; "." for a null MX
};

struct MxHost {
  std::string name;                        // canonical exchange name
  std::vector<std::uint16_t> preferences;  // every preference it is listed with
  dns::Answer a;
  dns::Answer aaaa;
  bool ip_literal = false;  // the exchange is written as an IP address

  std::vector<std::string> ipv4() const;
  std::vector<std::string> ipv6() const;
  bool has_address() const { return a.has_data() || aaaa.has_data(); }
  bool lookup_failed() const { return !a.is_answer() && !aaaa.is_answer(); }
  bool is_alias() const { return !a.cname_chain.empty() || !aaaa.cname_chain.empty(); }
  std::string canonical_name() const;
};

// The most MX hosts one audit resolves and probes; the rest are reported, not checked.
inline constexpr std::size_t kMaxMxHosts = 32;

struct MxData {
  std::string domain;
  dns::Answer mx;
  std::vector<MxEntry> entries;   // the MX records as published
  bool implicit = false;          // no MX records: the domain itself (RFC 5321 §5.1)
  std::vector<MxHost> hosts;      // distinct exchanges other than ".", by preference
  std::size_t hosts_skipped = 0;  // distinct exchanges beyond kMaxMxHosts
  double elapsed_ms = 0;          // from audit start until collected
};

boost::asio::awaitable<MxData> collect_mx(dns::Resolver& resolver, const DomainName& domain,
                                          std::chrono::steady_clock::time_point audit_start);

// MxTally - counts over the hosts that several rules and the view read.
struct MxTally {
  int usable = 0;          // hosts with an address
  int failed_lookups = 0;  // hosts without one whose lookup failed (not bogus): undetermined
  int with_ipv6 = 0;
  int ipv4 = 0;  // addresses over all hosts
  int ipv6 = 0;
};
MxTally mx_tally(const MxData& data);
bool is_null_mx(const MxData& data);  // RFC 7505 §3

Evaluation evaluate_mx(const MxData& data);  // PURE: state and findings
AreaView mx_view(const MxData& data, const Evaluation& evaluation);
AreaReport mx_report(const MxData& data);

// resolve_host - the A and AAAA records of one host, looked up at once.
boost::asio::awaitable<MxHost> resolve_host(dns::Resolver& resolver, MxHost host);

// derive_mx_data - entries and hosts from an MX answer (exposed for unit tests).
void derive_mx_entries(MxData& data);

}  // namespace mc::checks
