// tls_rpt.cpp - see tls_rpt.hpp. Section numbers are RFC 8460.
#include "checks/tls_rpt.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/spf.hpp"
#include "core/clock.hpp"
#include "policy/report_policy.hpp"

namespace mc::checks {

std::vector<std::string> TlsRptData::records() const {
  std::vector<std::string> out;
  for (const auto& rec : txt.records) {
    if (policy::is_tlsrpt_record(rec.txt())) out.push_back(rec.txt());
  }
  return out;
}

boost::asio::awaitable<TlsRptData> collect_tls_rpt(
    dns::Resolver& resolver, const DomainName& domain,
    std::chrono::steady_clock::time_point audit_start) {
  TlsRptData d;
  d.domain = domain.str();
  d.txt = co_await resolver.query(d.owner(), dns::rrtype::kTxt);
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

namespace {

std::string example_record(const TlsRptData& data) {
  return txt_record(data.owner(),
                    fmt::format("v=TLSRPTv1; rua=mailto:tls-reports@{}", data.domain));
}

// ---- rules: each adds its findings and returns true when it decided the area ----------------

bool lookup_failed(const TlsRptData& data, Evaluation& ev) {
  if (data.txt.is_answer()) return false;
  ev.state = AreaState::kUndetermined;
  ev.add("tls_rpt.lookup_failed", data.owner(),
         fmt::format("the lookup of {} failed", data.owner()), data.txt.evidence_lines());
  return true;
}

// §1: without a record nobody hears of the TLS failures that DANE or MTA-STS turn into bounces.
bool missing(const TlsRptData& data, const TlsRptContext& ctx, Evaluation& ev) {
  if (!data.records().empty()) return false;
  ev.state = AreaState::kNotDeployed;
  if (ctx.enforced_tls) {
    ev.add("tls_rpt.missing_with_dane", data.owner(),
           "DANE or MTA-STS makes senders refuse delivery when TLS fails, and without TLS-RPT "
           "nobody tells you",
           {}, "Publish (a mailbox you read, or an https: endpoint):\n" + example_record(data));
  } else if (!ctx.non_mail_domain) {
    ev.add("tls_rpt.none", data.owner(),
           "no TLS-RPT record: senders cannot report TLS failures to you", {},
           "Publish, once DANE or MTA-STS is in place:\n" + example_record(data));
  }
  return true;
}

// §3: exactly one record; with several a sender may use none.
bool multiple(const TlsRptData& data, Evaluation& ev) {
  const auto records = data.records();
  if (records.size() <= 1) return false;
  ev.add("tls_rpt.multiple_records", data.owner(),
         fmt::format("{} TLS-RPT records: senders may use none of them", records.size()), records,
         "Keep exactly one (several rua URIs fit in one record).");
  return true;
}

// §3: the record's syntax and its rua destinations.
void invalid(const TlsRptData& data, Evaluation& ev) {
  const std::string record = data.records().front();
  const auto parsed = policy::parse_tlsrpt(record);
  if (parsed.ok()) return;
  std::vector<std::string> evidence{record};
  evidence.insert(evidence.end(), parsed.errors.begin(), parsed.errors.end());
  ev.add("tls_rpt.invalid", data.owner(),
         fmt::format("the TLS-RPT record is invalid: {}", parsed.errors.front()), evidence,
         "Publish a valid record, e.g.\n" + example_record(data));
}

}  // namespace

Evaluation evaluate_tls_rpt(const TlsRptData& data, const TlsRptContext& context) {
  Evaluation ev;
  if (lookup_failed(data, ev) || missing(data, context, ev) || multiple(data, ev)) return ev;
  invalid(data, ev);
  return ev;
}

AreaView tls_rpt_view(const TlsRptData& data, const TlsRptContext& context, const Evaluation& ev) {
  AreaView v;
  v.details = {{"domain", data.domain}, {"name", data.owner()}};
  if (ev.state == AreaState::kUndetermined) {
    v.summary = "the TLS-RPT lookup failed";
    return v;
  }
  const auto records = data.records();
  if (records.empty()) {
    v.summary = !context.enforced_tls && context.non_mail_domain
                    ? "not applicable: the domain receives no mail"
                    : "no TLS-RPT record";
    return v;
  }
  v.details["record"] = records.front();
  v.facts.push_back({"record", records.front()});
  if (ev.has("tls_rpt.multiple_records")) {
    v.summary = "several TLS-RPT records";
  } else if (ev.has("tls_rpt.invalid")) {
    v.summary = "the TLS-RPT record is invalid";
  } else {
    nlohmann::json rua = nlohmann::json::array();
    for (const auto& u : policy::parse_tlsrpt(records.front()).record.rua) rua.push_back(u.uri);
    v.details["rua"] = rua;
    v.summary = fmt::format("TLS failure reports go to {}", fmt::join(rua, ", "));
  }
  return v;
}

AreaReport tls_rpt_report(const TlsRptData& data, const TlsRptContext& context) {
  const Evaluation ev = evaluate_tls_rpt(data, context);
  return area_report(Area::kTlsRpt, ev, tls_rpt_view(data, context, ev), data.elapsed_ms);
}

}  // namespace mc::checks
