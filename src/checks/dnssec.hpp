// dnssec.hpp - the dnssec check: is the domain signed, do its mail records validate, and can DANE
// protect its MX hosts? (RFC 4033-4035, RFC 7672 §2.1-2.2, RFC 8624, RFC 9276)
//
// collect_zone(resolver, domain): DNSKEY, DS and NSEC3PARAM at the domain, concurrently.
// evaluate_dnssec(zone, mx): PURE: combines those with the MX answers the mx check collected (the
//   MX RRset and each host's A/AAAA), so no lookup is repeated.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "checks/mx.hpp"
#include "core/domain_name.hpp"
#include "core/report_model.hpp"
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

AreaReport evaluate_dnssec(const ZoneData& zone, const MxData& mx);

// combine - the state of a set of answers that must all hold: bogus beats indeterminate beats
// insecure beats secure (RFC 7672 §2.1.3: one insecure link makes the result insecure).
dns::Security combine(dns::Security x, dns::Security y);

// algorithm_name - RFC 8624 / IANA mnemonic of a DNSSEC algorithm number ("ECDSAP256SHA256").
std::string algorithm_name(int algorithm);

}  // namespace mc::checks
