// audit_data.hpp - the typed data a domain audit collected, which every area was judged from.
//
// A Report carries it (Report::data) beside the rendered areas, so that whatever judges a report
// afterwards (the compliance profiles, the grade, and the survey and monitor that store and
// compare results) reads typed fields, never the JSON details back by key name. Each member is
// set once its collection has finished; an audit that ran to the end has all of them.
#pragma once

#include <optional>
#include <vector>

#include "checks/bimi.hpp"
#include "checks/dkim.hpp"
#include "checks/dmarc.hpp"
#include "checks/dnssec.hpp"
#include "checks/mta_sts.hpp"
#include "checks/mx.hpp"
#include "checks/spf.hpp"
#include "checks/tls_rpt.hpp"
#include "checks/transport.hpp"
#include "dns/answer.hpp"

namespace mc::audit {

struct AuditData {
  std::optional<checks::MxData> mx;
  std::optional<checks::ZoneData> zone;
  std::optional<checks::TransportData> transport;  // TLSA and SMTP of every MX host
  std::optional<checks::SpfData> spf;
  std::optional<std::vector<checks::MxAuthorisation>> mx_spf;  // SPF of the MX addresses
  std::optional<checks::DmarcData> dmarc;
  std::optional<checks::DkimData> dkim;
  std::optional<checks::TlsRptData> tls_rpt;
  std::optional<checks::BimiData> bimi;
  std::optional<checks::MtaStsData> mta_sts;
  std::optional<checks::PolicyFetch> mta_sts_policy;  // the policy as senders fetch it
  std::optional<dns::Answer> root;                    // ". SOA": is any DNS reachable at all?

  // null_mx - the domain publishes a null MX (RFC 7505): it receives no mail.
  bool null_mx() const { return mx && checks::is_null_mx(*mx); }
};

}  // namespace mc::audit
