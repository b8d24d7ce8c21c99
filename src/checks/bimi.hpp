// bimi.hpp - the bimi check, information only (never fails an audit): is a BIMI record published at
// default._bimi.<domain>, is it well formed, and does the DMARC policy meet BIMI's precondition
// (p=quarantine or p=reject applied to all mail, subdomains not exempt)?
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "checks/dmarc.hpp"
#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace mc::checks {

struct BimiData {
  std::string domain;
  dns::Answer txt;
  double elapsed_ms = 0;
};

boost::asio::awaitable<BimiData> collect_bimi(dns::Resolver& resolver, const DomainName& domain,
                                              std::chrono::steady_clock::time_point audit_start);

AreaReport evaluate_bimi(const BimiData& data, const DmarcData& dmarc);

}  // namespace mc::checks
