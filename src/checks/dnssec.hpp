// dnssec.hpp - the dnssec check: is the domain signed, do its mail records validate, and can DANE
// protect its MX hosts? (RFC 4033-4035, RFC 7672 §2.1-2.2, RFC 8624, RFC 9276)
//
// collect_zone(resolver, domain): DNSKEY, DS and NSEC3PARAM at the domain, concurrently.
// evaluate_dnssec(zone, mx): PURE: state and findings, combining those with the MX answers the mx
//   check collected (the MX RRset and each host's A/AAAA), so no lookup is repeated.
// dnssec_view(zone, mx, evaluation): rendering. dnssec_report: the three together.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "checks/mx.hpp"
#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct ZoneData {
  std::string domain;
  dns::Answer dnskey;
  dns::Answer ds;
  dns::Answer nsec3param;
  double elapsed_ms = 0;
};

boost::asio::awaitable<ZoneData> collect_zone(dns::Resolver& resolver, const DomainName& domain,
                                              std::chrono::steady_clock::time_point audit_start);

// What the zone's validated records say (bogus or missing data says nothing).
std::set<int> zone_algorithms(const ZoneData& zone);  // DNSKEY algorithm numbers
std::set<int> ds_digest_types(const ZoneData& zone);  // DS digest types
struct Nsec3Params {
  int iterations = 0;
  std::string salt;  // hex; empty for none ("-")
};
std::vector<Nsec3Params> nsec3_params(const ZoneData& zone);

Evaluation evaluate_dnssec(const ZoneData& zone, const MxData& mx);
AreaView dnssec_view(const ZoneData& zone, const MxData& mx, const Evaluation& evaluation);
AreaReport dnssec_report(const ZoneData& zone, const MxData& mx);

// combine - the state of a set of answers that must all hold: bogus beats indeterminate beats
// insecure beats secure (RFC 7672 §2.1.3: one insecure link makes the result insecure).
dns::Security combine(dns::Security x, dns::Security y);

// algorithm_name - RFC 8624 / IANA mnemonic of a DNSSEC algorithm number ("ECDSAP256SHA256").
std::string algorithm_name(int algorithm);

}  // namespace mc::checks
