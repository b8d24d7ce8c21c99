// tls_rpt.hpp - the tls_rpt check: does the domain ask senders to report TLS failures on the way to
// it (RFC 8460)? Worth most where DANE or MTA-STS makes senders refuse to deliver without TLS.
//
// collect_tls_rpt(resolver, domain): I/O: TXT at _smtp._tls.<domain>.
// evaluate_tls_rpt(data, context): PURE: state and findings: exactly one v=TLSRPTv1 record, rua
//   valid (one small function per rule below, in tls_rpt.cpp).
// tls_rpt_view(data, context, evaluation): rendering: summary, facts, JSON details.
// tls_rpt_report: the three together, as the audit calls it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct TlsRptData {
  std::string domain;
  dns::Answer txt;  // _smtp._tls.<domain> TXT
  double elapsed_ms = 0;

  std::string owner() const { return "_smtp._tls." + domain; }
  // records - the TXT records that start with v=TLSRPTv1; §3: the others are discarded.
  std::vector<std::string> records() const;
};

// What the other areas tell this one.
struct TlsRptContext {
  bool enforced_tls = false;  // DANE or MTA-STS makes senders insist on TLS: missing is a warning
  bool non_mail_domain = false;  // a null MX: there is no TLS to report on
};

boost::asio::awaitable<TlsRptData> collect_tls_rpt(
    dns::Resolver& resolver, const DomainName& domain,
    std::chrono::steady_clock::time_point audit_start);

Evaluation evaluate_tls_rpt(const TlsRptData& data, const TlsRptContext& context);
AreaView tls_rpt_view(const TlsRptData& data, const TlsRptContext& context,
                      const Evaluation& evaluation);
AreaReport tls_rpt_report(const TlsRptData& data, const TlsRptContext& context);

}  // namespace mc::checks
