// dane.hpp - the dane check: the verdict a DANE-enforcing sender (RFC 7672; Postfix
// smtp_tls_security_level = dane) reaches for each MX host, and for the domain.
//
// evaluate_dane(transport, mx): PURE over the collected TLSA searches and probes: state, findings
//   and the rollover advisory. dane_view(transport, mx, evaluation): rendering. dane_report: all.
//   Per host: deliver authenticated / deliver encrypted but unauthenticated / deliver without
//   DANE / defer. Domain status: pass when every MX host authenticates; fail when any host with
//   TLSA would make the sender defer; warn for partial protection or unprotected TLSA; none when
//   DANE is not deployed.
#pragma once

#include "checks/mx.hpp"
#include "checks/transport.hpp"
#include "core/evaluation.hpp"

namespace mc::checks {

enum class DaneVerdict {
  kAuthenticated,  // usable TLSA matched over TLS
  kEncryptedOnly,  // RFC 7672 §2.2 (b): TLS required, not authenticated
  kNoDane,         // no DANE: opportunistic TLS or cleartext
  kDefer,          // the sender would not deliver to this host now
};
std::string_view to_string(DaneVerdict v);

struct HostDaneVerdict {
  DaneVerdict verdict = DaneVerdict::kNoDane;
  std::string why;
};

HostDaneVerdict dane_verdict(const HostTransport& host);

// Rollover readiness (advice about the next key change, apart from today's verdict): does the
// published RRset already cover a change of the server's key? "current + next" (a DANE-EE record
// that does not match the live leaf, i.e. a pre-published key, RFC 7671 §8.1) and "DANE-EE +
// DANE-TA" (the issuer's record survives a new leaf key) are ready; a single record, or several
// that all pin the live key, are not. Only hosts that DANE authenticates now are judged.
enum class RolloverState { kReady, kNotReady, kNotApplicable };
std::string_view to_string(RolloverState s);
struct HostRollover {
  RolloverState state = RolloverState::kNotApplicable;
  std::string scheme;  // "current + next", "DANE-EE + DANE-TA", "DANE-TA + next" (ready);
                       // "DANE-TA only", "single record", "one key only" (not ready)
  std::string why;
};
HostRollover rollover_readiness(const HostTransport& host, const HostDaneVerdict& verdict);

Evaluation evaluate_dane(const TransportData& transport, const MxData& mx);
AreaView dane_view(const TransportData& transport, const MxData& mx, const Evaluation& evaluation);
AreaReport dane_report(const TransportData& transport, const MxData& mx);

}  // namespace mc::checks
