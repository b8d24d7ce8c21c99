// tls_rpt.hpp - the tls_rpt check: does the domain ask senders to report TLS failures on the way to
// it (RFC 8460)? Worth most where DANE or MTA-STS makes senders refuse to deliver without TLS.
//
// collect_tls_rpt(resolver, domain): TXT at _smtp._tls.<domain>.
// evaluate_tls_rpt(data, dane_in_use): PURE: exactly one v=TLSRPTv1 record, rua valid.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct TlsRptData {
  std::string domain;
  dns::Answer txt;
  double elapsed_ms = 0;
};

boost::asio::awaitable<TlsRptData> collect_tls_rpt(
    dns::Resolver& resolver, const DomainName& domain,
    std::chrono::steady_clock::time_point audit_start);

// enforced_tls: DANE or MTA-STS makes senders insist on TLS, so a missing record is a warning.
// non_mail_domain: a null MX, so there is no TLS to report on.
AreaReport evaluate_tls_rpt(const TlsRptData& data, bool enforced_tls,
                            bool non_mail_domain = false);

}  // namespace mc::checks
