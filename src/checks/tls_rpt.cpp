// tls_rpt.cpp - see tls_rpt.hpp. Section numbers are RFC 8460.
#include "checks/tls_rpt.hpp"

#include <fmt/format.h>

#include "checks/spf.hpp"
#include "core/clock.hpp"
#include "core/findings.hpp"
#include "policy/report_policy.hpp"

namespace mc::checks {

boost::asio::awaitable<TlsRptData> collect_tls_rpt(
    dns::Resolver& resolver, const DomainName& domain,
    std::chrono::steady_clock::time_point audit_start) {
  TlsRptData d;
  d.domain = domain.str();
  d.txt = co_await resolver.query("_smtp._tls." + d.domain, dns::rrtype::kTxt);
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

AreaReport evaluate_tls_rpt(const TlsRptData& data, bool enforced_tls, bool non_mail_domain) {
  AreaReport r;
  r.area = Area::kTlsRpt;
  r.elapsed_ms = data.elapsed_ms;
  const std::string owner = "_smtp._tls." + data.domain;
  auto add = [&](std::string_view id, std::string summary, std::vector<std::string> evidence = {},
                 std::string fix = {}) {
    r.findings.push_back(
        make_finding(id, owner, std::move(summary), std::move(evidence), std::move(fix)));
  };
  r.details = {{"domain", data.domain}, {"name", owner}};
  if (!data.txt.is_answer()) {
    add("tls_rpt.lookup_failed", fmt::format("the lookup of {} failed", owner),
        data.txt.evidence_lines());
    r.status = Status::kError;
    r.summary = "the TLS-RPT lookup failed";
    return r;
  }
  std::vector<std::string> records;
  for (const auto& rec : data.txt.records) {
    // §3: records that do not start with v=TLSRPTv1 are discarded.
    if (policy::is_tlsrpt_record(rec.txt())) records.push_back(rec.txt());
  }
  const std::string example =
      txt_record(owner, fmt::format("v=TLSRPTv1; rua=mailto:tls-reports@{}", data.domain));
  if (records.empty()) {
    r.status = Status::kNone;
    r.summary = "no TLS-RPT record";
    if (enforced_tls) {
      add("tls_rpt.missing_with_dane",
          "DANE or MTA-STS makes senders refuse delivery when TLS fails, and without TLS-RPT "
          "nobody tells you",
          {}, "Publish (a mailbox you read, or an https: endpoint):\n" + example);
    } else if (non_mail_domain) {
      r.summary = "not applicable: the domain receives no mail";
    } else {
      add("tls_rpt.none", "no TLS-RPT record: senders cannot report TLS failures to you", {},
          "Publish, once DANE or MTA-STS is in place:\n" + example);
    }
    return r;
  }
  r.details["record"] = records.front();
  r.facts.push_back({"record", records.front()});
  if (records.size() > 1) {
    add("tls_rpt.multiple_records",
        fmt::format("{} TLS-RPT records: senders may use none of them", records.size()), records,
        "Keep exactly one (several rua URIs fit in one record).");
    r.status = Status::kFail;
    r.summary = "several TLS-RPT records";
    return r;
  }
  const auto parsed = policy::parse_tlsrpt(records.front());
  if (!parsed.ok()) {
    std::vector<std::string> ev{records.front()};
    for (const auto& e : parsed.errors) ev.push_back(e);
    add("tls_rpt.invalid", fmt::format("the TLS-RPT record is invalid: {}", parsed.errors.front()),
        ev, "Publish a valid record, e.g.\n" + example);
    r.status = Status::kFail;
    r.summary = "the TLS-RPT record is invalid";
    return r;
  }
  nlohmann::json rua = nlohmann::json::array();
  for (const auto& u : parsed.record.rua) rua.push_back(u.uri);
  r.details["rua"] = rua;
  r.status = Status::kPass;
  r.summary = fmt::format("TLS failure reports go to {}", fmt::join(rua, ", "));
  return r;
}

}  // namespace mc::checks
