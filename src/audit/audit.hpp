// audit.hpp - run every check of a domain concurrently and assemble the Report.
//
// run_audit(options): builds the resolver (validating locally, see dns/resolver.hpp), runs the
// collection coroutines of all checks at once on one io_context, bounded by options.timeout, then
// evaluates each area (pure functions) into the Report. Returns an Error only when the audit could
// not run at all (bad configuration); DNS failures are findings inside the Report.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "core/result.hpp"
#include "dns/resolver.hpp"

namespace mc::audit {

struct AuditOptions {
  DomainName domain;
  dns::ResolverConfig resolver;
  std::chrono::milliseconds timeout{60000};  // the whole audit
  std::vector<std::string> dkim_selectors;   // used by the dkim check
  std::string ca_file;                       // extra web-PKI CAs, used by TLS checks
};

Result<Report> run_audit(const AuditOptions& options);

std::string tool_version();

}  // namespace mc::audit
