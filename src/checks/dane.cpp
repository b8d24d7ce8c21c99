// dane.cpp - see dane.hpp.
#include "checks/dane.hpp"

#include <fmt/format.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <optional>
#include <set>

#include "core/findings.hpp"
#include "tools/tlsa_gen.hpp"

namespace mc::checks {
namespace {

std::string host_owner(const HostTransport& h) {
  return fmt::format("_{}._tcp.{}.", h.tlsa.port,
                     h.tlsa.base_domain.empty() ? h.host : h.tlsa.base_domain);
}

// suggested_tlsa - the records to publish for the chain this host presented: 3 1 1 for the
// leaf key, 2 1 1 for its issuer's key (the rollover-safe pair, see dane.rollover_single).
std::string suggested_tlsa(const HostTransport& h) {
  for (const auto& p : h.probes) {
    if (!p.tls || p.tls->chain_der.empty()) continue;
    std::string out;
    for (const auto& r : tools::recommended_tlsa(tools::TlsaInput{p.tls->chain_der, {}})) {
      if (!out.empty()) out += '\n';
      out += fmt::format("{} 3600 IN TLSA {}", host_owner(h), r.text());
    }
    return out;
  }
  return {};
}

// address_evidence - the A and AAAA answers the MX check collected for the host.
std::vector<std::string> address_evidence(const MxData& mx, const std::string& host) {
  std::vector<std::string> ev;
  for (const auto& m : mx.hosts) {
    if (m.name != host) continue;
    for (const dns::Answer* a : {&m.a, &m.aaaa}) {
      auto lines = a->evidence_lines();
      ev.insert(ev.end(), lines.begin(), lines.end());
    }
  }
  return ev;
}

std::vector<std::string> tlsa_evidence(const HostTransport& h) {
  std::vector<std::string> ev;
  const auto& answer = h.tlsa.answer ? h.tlsa.answer : h.tlsa.unprotected_answer;
  if (answer) ev = answer->evidence_lines();
  return ev;
}

}  // namespace

std::string_view to_string(DaneVerdict v) {
  switch (v) {
    case DaneVerdict::kAuthenticated:
      return "deliver_authenticated";
    case DaneVerdict::kEncryptedOnly:
      return "deliver_encrypted_unauthenticated";
    case DaneVerdict::kNoDane:
      return "deliver_without_dane";
    case DaneVerdict::kDefer:
      return "defer";
  }
  return "defer";
}

std::string_view to_string(RolloverState s) {
  switch (s) {
    case RolloverState::kReady:
      return "ready";
    case RolloverState::kNotReady:
      return "not_ready";
    case RolloverState::kNotApplicable:
      return "not_applicable";
  }
  return "not_applicable";
}

HostRollover rollover_readiness(const HostTransport& h, const HostDaneVerdict& v) {
  HostRollover r;
  if (h.tlsa.state != TlsaState::kUsable || v.verdict != DaneVerdict::kAuthenticated) {
    r.why = "DANE does not authenticate this host now";
    return r;
  }
  // pins_live - the record matches a chain one of the host's addresses serves: the leaf for
  // DANE-EE, a CA certificate above it for DANE-TA.
  auto pins_live = [&](const policy::TlsaRecord& rec) {
    for (const auto& p : h.probes) {
      if (!p.tls || p.tls->chain_der.empty()) continue;
      const tools::TlsaInput in{p.tls->chain_der, {}};
      const tools::TlsaParams params{rec.usage, rec.selector, rec.matching_type};
      const int first = rec.usage == 2 ? 1 : 0;
      const int last = rec.usage == 2 ? static_cast<int>(p.tls->chain_der.size()) - 1 : 0;
      for (int pos = first; pos <= last; ++pos) {
        const auto mine = tools::make_tlsa(in, params, pos);
        if (mine && mine->data == rec.data) return true;
      }
    }
    return false;
  };
  // A record that pins nothing live is a pre-published next key or issuer (or a retired one:
  // the two cannot be told apart, and either covers a change).
  int ee_live = 0, ee_other = 0, ta_live = 0, ta_other = 0;
  const auto usable = h.tlsa.usable_entries();
  for (const auto& e : usable) {
    const bool live = pins_live(*e.record);
    if (e.record->usage == 2) {
      ++(live ? ta_live : ta_other);
    } else {
      ++(live ? ee_live : ee_other);
    }
  }
  if (ee_live > 0 && ee_other > 0) {
    r.state = RolloverState::kReady;
    r.scheme = "current + next";
    r.why = "a DANE-EE record for another key is published beside the live key's";
  } else if (ee_live > 0 && ta_live > 0) {
    r.state = RolloverState::kReady;
    r.scheme = "DANE-EE + DANE-TA";
    r.why =
        "a new leaf key stays covered by the issuer's DANE-TA record, a new issuer by the "
        "DANE-EE record";
  } else if (ta_live > 0 && (ta_other > 0 || ee_other > 0)) {
    r.state = RolloverState::kReady;
    r.scheme = "DANE-TA + next";
    r.why =
        "a new leaf key stays covered by the live issuer's record, a new issuer or key by "
        "the pre-published one";
  } else {
    r.state = RolloverState::kNotReady;
    if (ta_live > 0) {
      r.scheme = "DANE-TA only";
      r.why =
          "only the live issuer is published: a new leaf key is covered, but a change of "
          "issuing CA breaks DANE unless its record is published first";
    } else {
      r.scheme = usable.size() == 1 ? "single record" : "one key only";
      r.why = usable.size() == 1
                  ? "a single TLSA record: the next key change breaks DANE unless a new record "
                    "is published first"
                  : "every record that matches pins the live key: the next key change breaks "
                    "DANE unless a new record is published first";
    }
  }
  return r;
}

HostDaneVerdict dane_verdict(const HostTransport& h) {
  switch (h.tlsa.state) {
    case TlsaState::kFailed:
      return {DaneVerdict::kDefer, "the TLSA lookup failed: " + h.tlsa.reason};
    case TlsaState::kHostFailed:
      return {DaneVerdict::kDefer, "the host cannot be resolved securely: " + h.tlsa.reason};
    case TlsaState::kNotApplicable:
    case TlsaState::kInsecure:
    case TlsaState::kAbsent:
      return {DaneVerdict::kNoDane, h.tlsa.reason};
    case TlsaState::kAllUnusable:
    case TlsaState::kUsable:
      break;
  }
  // (a)/(b): TLS is mandatory; every address must get there (RFC 7672 §2.2).
  if (h.probes.empty()) return {DaneVerdict::kDefer, "the host has no address to connect to"};
  for (const auto& p : h.probes) {
    if (!p.tls) {
      const std::string step = p.failure ? std::string(net::to_string(p.failure->step)) : "tls";
      return {DaneVerdict::kDefer,
              fmt::format("{}: no TLS session ({} {}: {})", p.target.address, step,
                          p.failure ? p.failure->kind : "", p.failure ? p.failure->detail : "")};
    }
    if (h.tlsa.state == TlsaState::kUsable && !p.tls->dane.authenticated) {
      return {DaneVerdict::kDefer,
              fmt::format("{}: {}", p.target.address,
                          p.tls->dane.error.empty() ? std::string("not authenticated")
                                                    : p.tls->dane.error)};
    }
  }
  if (h.tlsa.state == TlsaState::kAllUnusable) {
    return {DaneVerdict::kEncryptedOnly,
            "only unusable TLSA records: TLS is mandatory but cannot be authenticated"};
  }
  return {DaneVerdict::kAuthenticated, "a TLSA record matched on every address"};
}

namespace {

bool has_tlsa(const HostTransport& h) {
  return h.tlsa.state == TlsaState::kUsable || h.tlsa.state == TlsaState::kAllUnusable ||
         h.tlsa.state == TlsaState::kFailed;
}

bool unprotected(const HostTransport& h) {
  return h.tlsa.state == TlsaState::kInsecure || h.tlsa.unprotected_answer;
}

// DaneTally - counts over the hosts that the state, the summary and the rules read.
struct DaneTally {
  int authenticated = 0;
  int deferred = 0;  // defer, or TLS without authentication
  int with_tlsa = 0;
  int unprotected = 0;
};

DaneTally dane_tally(const TransportData& transport) {
  DaneTally t;
  for (const auto& h : transport.hosts) {
    const DaneVerdict v = dane_verdict(h).verdict;
    t.with_tlsa += has_tlsa(h);
    t.unprotected += unprotected(h);
    t.authenticated += v == DaneVerdict::kAuthenticated;
    t.deferred += v == DaneVerdict::kDefer || v == DaneVerdict::kEncryptedOnly;
  }
  return t;
}

// ---- rules ----------------------------------------------------------------------------------

// RFC 7672 §2.1: a lookup that fails (the host's addresses, or its TLSA RRset) defers delivery;
// a sender never falls back to delivering without DANE.
void lookups(const MxData& mx, const HostTransport& h, Evaluation& ev) {
  if (h.tlsa.state == TlsaState::kHostFailed) {
    ev.add("dane.host_lookup_failed", h.host,
           fmt::format("{}: a validating sender cannot use {} and defers the mail it would send "
                       "there; it does not deliver without DANE instead",
                       h.tlsa.reason, h.host),
           address_evidence(mx, h.host),
           "Make the host's A/AAAA records resolvable and DNSSEC-valid (fix the signatures or the "
           "DS of the zone that holds them).");
  } else if (h.tlsa.state == TlsaState::kFailed) {
    ev.add("dane.tlsa_lookup_failed", h.host,
           fmt::format("the TLSA lookup for {} failed, so DANE senders defer mail to it", h.host),
           tlsa_evidence(h),
           "Make the TLSA RRset resolvable and DNSSEC-valid (fix the zone's signatures or DS), "
           "or remove it together with its DS chain.");
  }
}

// RFC 7672 §2.2 (b): with only unusable records TLS is mandatory, but nothing authenticates it.
void only_unusable(const HostTransport& h, Evaluation& ev) {
  if (h.tlsa.state != TlsaState::kAllUnusable) return;
  ev.add("dane.only_unusable", h.host,
         fmt::format("every TLSA record for {} is unusable for SMTP", h.host), tlsa_evidence(h),
         "Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records:\n" + suggested_tlsa(h));
}

// Usable records, yet a DANE sender defers: no TLS, a DANE-TA match without the host name in the
// certificate (RFC 7672 §3.2.2), or no record matches the chain (RFC 7671 §5).
void deferred_host(const HostTransport& h, const HostDaneVerdict& v, Evaluation& ev) {
  if (h.tlsa.state != TlsaState::kUsable || v.verdict != DaneVerdict::kDefer) return;
  const auto no_tls = [](const net::ProbeResult& p) { return !p.tls; };
  const auto wrong_name = [](const net::ProbeResult& p) {
    return p.tls && p.tls->dane.verify_error == X509_V_ERR_HOSTNAME_MISMATCH;
  };
  if (std::any_of(h.probes.begin(), h.probes.end(), no_tls)) {
    ev.add("dane.no_tls", h.host,
           fmt::format("{} publishes TLSA records but no TLS session could be set up: {}", h.host,
                       v.why),
           tlsa_evidence(h),
           "Enable STARTTLS on the server (DANE senders require it), or withdraw the TLSA "
           "records first.");
  } else if (std::any_of(h.probes.begin(), h.probes.end(), wrong_name)) {
    ev.add("dane.name_mismatch", h.host,
           fmt::format("the chain of {} matches a DANE-TA record, but the certificate is not "
                       "issued for {}",
                       h.host, h.host),
           tlsa_evidence(h),
           fmt::format("Issue the server certificate with {} in its subjectAltName, or publish "
                       "a DANE-EE (3 1 1) record, which does not check names:\n{}",
                       h.host, suggested_tlsa(h)));
  } else {
    const std::string fix = suggested_tlsa(h);
    ev.add("dane.mismatch", h.host,
           fmt::format("no TLSA record of {} matches the certificate chain it presents: {}", h.host,
                       v.why),
           tlsa_evidence(h),
           fix.empty() ? std::string("Publish TLSA records that match the server's key.")
                       : "Publish records that match the certificate the server presents now "
                         "(keep the old ones until the new ones have been visible for a TTL):\n" +
                             fix);
  }
}

// Usable records beside unusable ones (RFC 7672 §3.1: only DANE-TA and DANE-EE apply), and the
// readiness of the RRset for the next key change (advice; today every DANE sender delivers).
void usable_rrset(const HostTransport& h, const HostRollover& roll, Evaluation& ev) {
  if (h.tlsa.state != TlsaState::kUsable) return;
  std::vector<std::string> bad;
  for (const auto& e : h.tlsa.entries) {
    if (!e.usable()) bad.push_back(fmt::format("{} ({})", e.text, e.problem));
  }
  if (!bad.empty()) {
    ev.add(
        "dane.unusable_records", h.host,
        fmt::format("{} of the TLSA records for {} are unusable and ignored", bad.size(), h.host),
        bad, "Remove the unusable records; only DANE-TA(2) and DANE-EE(3) apply to SMTP.");
  }
  if (roll.state == RolloverState::kNotReady) {
    ev.add("dane.rollover_single", h.host, fmt::format("{}: {}", h.host, roll.why),
           tlsa_evidence(h),
           "Publish a second record before you need it: \"current + next\" (3 1 1 of the next "
           "key as well) or \"3 1 1 + 2 1 1\" (the issuer's key too), e.g.:\n" +
               suggested_tlsa(h));
  }
}

// RFC 7672 §2.2: TLSA records DNSSEC does not protect are ignored.
void tlsa_insecure(const HostTransport& h, Evaluation& ev) {
  if (!unprotected(h)) return;
  ev.add("dane.tlsa_insecure", h.host,
         fmt::format("TLSA records for {} are published, but DNSSEC does not protect them "
                     "({}), so senders ignore them",
                     h.host, h.tlsa.reason),
         tlsa_evidence(h),
         "Sign the zone that holds the MX host and its TLSA records (and the MX records), then "
         "publish the DS at the registrar.");
}

// RFC 7672 §2.2.1: with an insecure MX RRset, DANE of the hosts protects only the last hop.
void mx_insecure(const TransportData& transport, const MxData& mx, Evaluation& ev) {
  const bool host_dane =
      std::any_of(transport.hosts.begin(), transport.hosts.end(),
                  [](const HostTransport& h) { return h.tlsa.insecure_mx && has_tlsa(h); });
  if (!transport.mx_lookup || transport.mx_secure || !host_dane) return;
  ev.add("dane.mx_insecure", mx.domain,
         fmt::format("the MX records of {} are not DNSSEC-secure: senders that apply DANE to "
                     "secure MX hosts anyway (Postfix 3.6 and later by default) authenticate the "
                     "hosts by their own names, but an attacker who forges the MX records can "
                     "still redirect the mail, and stricter senders use no DANE at all",
                     mx.domain),
         {mx.mx.describe()},
         fmt::format("Sign the zone of {} and publish its DS at the registrar, so that the MX "
                     "records are protected too.",
                     mx.domain));
}

// DNSSEC is there, TLSA is not: say exactly what to publish. Or DANE covers only some hosts.
void coverage(const TransportData& transport, const MxData& mx, const DaneTally& t,
              Evaluation& ev) {
  if (t.with_tlsa == 0 && t.unprotected == 0) {
    for (const auto& h : transport.hosts) {
      if (!transport.mx_secure || h.tlsa.state != TlsaState::kAbsent) continue;
      const std::string fix = suggested_tlsa(h);
      ev.add("dane.not_deployed", h.host,
             fmt::format("{} is DNSSEC-signed but publishes no TLSA records", h.host), {},
             fix.empty()
                 ? std::string("Publish a TLSA record for the server's key at ") + host_owner(h)
                 : "Publish:\n" + fix);
    }
  } else if (t.authenticated > 0 && t.authenticated < static_cast<int>(transport.hosts.size())) {
    ev.add("dane.partial", mx.domain,
           fmt::format("DANE authenticates {} of {} MX hosts; mail can still go to the others "
                       "without it",
                       t.authenticated, transport.hosts.size()));
  }
}

// RFC 7672 §2.1.1: a bogus MX RRset is a lookup failure; a DANE sender defers everything.
void mx_bogus(const TransportData& transport, const MxData& mx, Evaluation& ev) {
  if (!transport.mx_lookup || mx.mx.security != dns::Security::kBogus) return;
  ev.add("dane.mx_bogus", mx.domain,
         fmt::format("the MX records of {} fail DNSSEC validation, so DANE senders defer all mail",
                     mx.domain),
         {mx.mx.describe()}, "Repair the zone's DNSSEC first (see the dnssec findings).");
}

// Rollover readiness: its own result beside the verdict (advice about the future); a row only
// where DANE authenticates some host now.
std::optional<Advisory> rollover_advisory(const TransportData& transport) {
  int judged = 0, ready = 0;
  std::vector<std::string> schemes;
  for (const auto& h : transport.hosts) {
    const HostRollover roll = rollover_readiness(h, dane_verdict(h));
    if (roll.state == RolloverState::kNotApplicable) continue;
    ++judged;
    ready += roll.state == RolloverState::kReady;
    if (std::find(schemes.begin(), schemes.end(), roll.scheme) == schemes.end()) {
      schemes.push_back(roll.scheme);
    }
  }
  if (judged == 0) return std::nullopt;
  return Advisory{"rollover", ready == judged ? "ready" : "not_ready",
                  fmt::format("{} of {} DANE-authenticated host(s) ready for a key change ({})",
                              ready, judged, fmt::join(schemes, ", "))};
}

AreaState dane_state(const TransportData& transport, const MxData& mx, const DaneTally& t,
                     const Evaluation& ev) {
  if (transport.mx_lookup && mx.mx.security == dns::Security::kBogus) {
    return AreaState::kEvaluated;
  }
  if (transport.hosts.empty()) {
    // What could not be determined is an error, never "not deployed".
    return transport.mx_lookup && !mx.mx.is_answer() ? AreaState::kUndetermined
                                                     : AreaState::kNotDeployed;
  }
  if (status_from(ev.findings, AreaState::kEvaluated) == Status::kFail || t.deferred > 0) {
    return AreaState::kEvaluated;
  }
  if (t.with_tlsa == 0 && t.unprotected == 0) return AreaState::kNotDeployed;
  return AreaState::kEvaluated;
}

nlohmann::json host_json(const HostTransport& h) {
  const HostDaneVerdict v = dane_verdict(h);
  const HostRollover roll = rollover_readiness(h, v);
  nlohmann::json hj{
      {"name", h.host},
      {"tlsa_state", to_string(h.tlsa.state)},
      {"reason", h.tlsa.reason},
      {"base_domain", h.tlsa.base_domain},
      {"candidates", h.tlsa.candidates},
      {"insecure_mx", h.tlsa.insecure_mx},
      {"verdict", to_string(v.verdict)},
      {"rollover", {{"state", to_string(roll.state)}, {"scheme", roll.scheme}, {"why", roll.why}}},
      {"why", v.why},
      {"records", nlohmann::json::array()},
      {"addresses", nlohmann::json::array()}};
  for (const auto& e : h.tlsa.entries) {
    hj["records"].push_back({{"record", e.text},
                             {"name", e.record ? e.record->mnemonic() : std::string()},
                             {"usable", e.usable()},
                             {"problem", e.problem}});
  }
  if (h.tlsa.answer) hj["lookup"] = dns::to_json(*h.tlsa.answer);
  for (const auto& p : h.probes) {
    nlohmann::json aj{{"address", p.target.address}, {"tls", p.tls.has_value()}};
    if (p.tls) {
      const auto& d = p.tls->dane;
      aj["dane_enabled"] = d.enabled;
      aj["authenticated"] = d.authenticated;
      aj["match_depth"] = d.match_depth;
      aj["matched"] = d.matched ? nlohmann::json(d.matched->text()) : nlohmann::json(nullptr);
      if (!d.error.empty()) aj["error"] = d.error;
    }
    hj["addresses"].push_back(std::move(aj));
  }
  return hj;
}

std::string dane_summary(const TransportData& transport, const MxData& mx, const DaneTally& t,
                         const Evaluation& ev) {
  const char* hosts_word = transport.mx_lookup ? "MX host(s)" : "host(s)";
  const auto n = transport.hosts.size();
  if (ev.has("dane.mx_bogus")) return "the MX records are bogus: DANE senders defer all mail";
  if (ev.state == AreaState::kUndetermined) {
    return fmt::format("not determined: the MX lookup failed ({})", dns::to_string(mx.mx.outcome));
  }
  if (transport.hosts.empty()) return "no MX hosts to protect";
  if (status_from(ev.findings, AreaState::kEvaluated) == Status::kFail || t.deferred > 0) {
    return fmt::format("a DANE sender would defer mail to {} of {} {}", t.deferred, n, hosts_word);
  }
  if (ev.state == AreaState::kNotDeployed) {
    // "DNSSEC is ready" only where a DANE sender securely learnt that no TLSA exists.
    const bool ready =
        transport.mx_secure &&
        std::any_of(transport.hosts.begin(), transport.hosts.end(),
                    [](const HostTransport& h) { return h.tlsa.state == TlsaState::kAbsent; });
    return ready ? "no TLSA records (DNSSEC is ready for them)"
                 : "not deployed: " + transport.hosts.front().tlsa.reason;
  }
  if (t.authenticated < static_cast<int>(n) ||
      status_from(ev.findings, ev.state) == Status::kWarn) {
    return fmt::format("DANE authenticates {} of {} {}", t.authenticated, n, hosts_word);
  }
  return fmt::format("DANE authenticates all {} {}", t.authenticated, hosts_word);
}

}  // namespace

Evaluation evaluate_dane(const TransportData& transport, const MxData& mx) {
  Evaluation ev;
  const DaneTally t = dane_tally(transport);
  for (const auto& h : transport.hosts) {
    const HostDaneVerdict v = dane_verdict(h);
    lookups(mx, h, ev);
    only_unusable(h, ev);
    deferred_host(h, v, ev);
    usable_rrset(h, rollover_readiness(h, v), ev);
    tlsa_insecure(h, ev);
  }
  mx_insecure(transport, mx, ev);
  coverage(transport, mx, t, ev);
  mx_bogus(transport, mx, ev);
  ev.state = dane_state(transport, mx, t, ev);
  if (auto roll = rollover_advisory(transport)) ev.advisories.push_back(std::move(*roll));
  return ev;
}

AreaView dane_view(const TransportData& transport, const MxData& mx, const Evaluation& ev) {
  AreaView v;
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : transport.hosts) {
    hosts.push_back(host_json(h));
    v.facts.push_back({h.host, fmt::format("{} ({})", to_string(dane_verdict(h).verdict),
                                           to_string(h.tlsa.state))});
    for (const auto& e : h.tlsa.entries) {
      v.facts.push_back(
          {"  TLSA", fmt::format("{}{}", e.text,
                                 e.record ? " (" + e.record->mnemonic() + ")" : std::string())});
    }
  }
  v.details["hosts"] = std::move(hosts);
  v.details["mx_secure"] = transport.mx_secure;
  // JSON always carries details.rollover, also where no row is shown.
  const Advisory roll = ev.advisories.empty() ? Advisory{"rollover", "not_applicable",
                                                         "no MX host is authenticated by DANE now"}
                                              : ev.advisories.front();
  v.details["rollover"] = {{"status", roll.status}, {"summary", roll.summary}};
  v.summary = dane_summary(transport, mx, dane_tally(transport), ev);
  return v;
}

AreaReport dane_report(const TransportData& transport, const MxData& mx) {
  const Evaluation ev = evaluate_dane(transport, mx);
  return area_report(Area::kDane, ev, dane_view(transport, mx, ev), transport.elapsed_ms);
}

}  // namespace mc::checks
