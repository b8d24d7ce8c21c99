// dane.cpp - see dane.hpp.
#include "checks/dane.hpp"

#include <fmt/format.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
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

AreaReport evaluate_dane(const TransportData& transport, const MxData& mx) {
  AreaReport rep;
  rep.area = Area::kDane;
  rep.elapsed_ms = transport.elapsed_ms;
  auto& findings = rep.findings;
  const std::string& domain = mx.domain;
  nlohmann::json hosts = nlohmann::json::array();
  int authenticated = 0, deferred = 0, with_tlsa = 0, unprotected = 0;
  int roll_judged = 0, roll_ready = 0;
  std::string roll_schemes;

  for (const auto& h : transport.hosts) {
    const HostDaneVerdict v = dane_verdict(h);
    const HostRollover roll = rollover_readiness(h, v);
    if (roll.state != RolloverState::kNotApplicable) {
      ++roll_judged;
      if (roll.state == RolloverState::kReady) ++roll_ready;
      if (roll_schemes.find(roll.scheme) == std::string::npos) {
        roll_schemes += (roll_schemes.empty() ? "" : ", ") + roll.scheme;
      }
    }
    nlohmann::json hj;
    hj["name"] = h.host;
    hj["tlsa_state"] = to_string(h.tlsa.state);
    hj["reason"] = h.tlsa.reason;
    hj["base_domain"] = h.tlsa.base_domain;
    hj["candidates"] = h.tlsa.candidates;
    hj["insecure_mx"] = h.tlsa.insecure_mx;
    hj["verdict"] = to_string(v.verdict);
    hj["rollover"] = {{"state", to_string(roll.state)}, {"scheme", roll.scheme}, {"why", roll.why}};
    hj["why"] = v.why;
    hj["records"] = nlohmann::json::array();
    for (const auto& e : h.tlsa.entries) {
      hj["records"].push_back({{"record", e.text},
                               {"name", e.record ? e.record->mnemonic() : std::string()},
                               {"usable", e.usable()},
                               {"problem", e.problem}});
    }
    if (h.tlsa.answer) hj["lookup"] = dns::to_json(*h.tlsa.answer);
    hj["addresses"] = nlohmann::json::array();
    for (const auto& p : h.probes) {
      nlohmann::json aj{{"address", p.target.address}, {"tls", p.tls.has_value()}};
      if (p.tls) {
        aj["dane_enabled"] = p.tls->dane.enabled;
        aj["authenticated"] = p.tls->dane.authenticated;
        aj["match_depth"] = p.tls->dane.match_depth;
        aj["matched"] = p.tls->dane.matched ? nlohmann::json(p.tls->dane.matched->text())
                                            : nlohmann::json(nullptr);
        if (!p.tls->dane.error.empty()) aj["error"] = p.tls->dane.error;
      }
      hj["addresses"].push_back(std::move(aj));
    }
    hosts.push_back(std::move(hj));
    rep.facts.push_back(
        Fact{h.host, fmt::format("{} ({})", to_string(v.verdict), to_string(h.tlsa.state))});
    for (const auto& e : h.tlsa.entries) {
      rep.facts.push_back(Fact{
          "  TLSA", fmt::format("{}{}", e.text,
                                e.record ? " (" + e.record->mnemonic() + ")" : std::string())});
    }

    const bool has_tlsa = h.tlsa.state == TlsaState::kUsable ||
                          h.tlsa.state == TlsaState::kAllUnusable ||
                          h.tlsa.state == TlsaState::kFailed;
    with_tlsa += has_tlsa;
    if (v.verdict == DaneVerdict::kAuthenticated) ++authenticated;
    if (v.verdict == DaneVerdict::kDefer || v.verdict == DaneVerdict::kEncryptedOnly) ++deferred;

    // Findings, one behaviour each.
    if (h.tlsa.state == TlsaState::kHostFailed) {
      findings.push_back(make_finding(
          "dane.host_lookup_failed", h.host,
          fmt::format("{}: a validating sender cannot use {} and defers the mail it would send "
                      "there; it does not deliver without DANE instead",
                      h.tlsa.reason, h.host),
          address_evidence(mx, h.host),
          "Make the host's A/AAAA records resolvable and DNSSEC-valid (fix the signatures or the "
          "DS of the zone that holds them)."));
    } else if (h.tlsa.state == TlsaState::kFailed) {
      findings.push_back(make_finding(
          "dane.tlsa_lookup_failed", h.host,
          fmt::format("the TLSA lookup for {} failed, so DANE senders defer mail to it", h.host),
          tlsa_evidence(h),
          "Make the TLSA RRset resolvable and DNSSEC-valid (fix the zone's signatures or DS), "
          "or remove it together with its DS chain."));
    } else if (h.tlsa.state == TlsaState::kAllUnusable) {
      findings.push_back(make_finding(
          "dane.only_unusable", h.host,
          fmt::format("every TLSA record for {} is unusable for SMTP", h.host), tlsa_evidence(h),
          "Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records:\n" + suggested_tlsa(h)));
    } else if (h.tlsa.state == TlsaState::kUsable && v.verdict == DaneVerdict::kDefer) {
      const bool tls_missing = std::any_of(h.probes.begin(), h.probes.end(),
                                           [](const net::ProbeResult& p) { return !p.tls; });
      if (tls_missing) {
        findings.push_back(make_finding(
            "dane.no_tls", h.host,
            fmt::format("{} publishes TLSA records but no TLS session could be set up: {}", h.host,
                        v.why),
            tlsa_evidence(h),
            "Enable STARTTLS on the server (DANE senders require it), or withdraw the TLSA "
            "records first."));
      } else if (std::any_of(h.probes.begin(), h.probes.end(), [](const net::ProbeResult& p) {
                   return p.tls && p.tls->dane.verify_error == X509_V_ERR_HOSTNAME_MISMATCH;
                 })) {
        // RFC 7672 §3.2.2: a DANE-TA(2) match still needs the MX host name in the certificate.
        findings.push_back(make_finding(
            "dane.name_mismatch", h.host,
            fmt::format("the chain of {} matches a DANE-TA record, but the certificate is not "
                        "issued for {}",
                        h.host, h.host),
            tlsa_evidence(h),
            fmt::format("Issue the server certificate with {} in its subjectAltName, or publish "
                        "a DANE-EE (3 1 1) record, which does not check names:\n{}",
                        h.host, suggested_tlsa(h))));
      } else {
        std::string fix = suggested_tlsa(h);
        findings.push_back(make_finding(
            "dane.mismatch", h.host,
            fmt::format("no TLSA record of {} matches the certificate chain it presents: {}",
                        h.host, v.why),
            tlsa_evidence(h),
            fix.empty() ? std::string("Publish TLSA records that match the server's key.")
                        : "Publish records that match the certificate the server presents now "
                          "(keep the old ones until the new ones have been visible for a TTL):\n" +
                              fix));
      }
    }
    if (h.tlsa.state == TlsaState::kUsable) {
      std::vector<std::string> bad;
      for (const auto& e : h.tlsa.entries) {
        if (!e.usable()) bad.push_back(fmt::format("{} ({})", e.text, e.problem));
      }
      if (!bad.empty()) {
        findings.push_back(make_finding(
            "dane.unusable_records", h.host,
            fmt::format("{} of the TLSA records for {} are unusable and ignored", bad.size(),
                        h.host),
            bad, "Remove the unusable records; only DANE-TA(2) and DANE-EE(3) apply to SMTP."));
      }
      if (roll.state == RolloverState::kNotReady) {
        // Advice about the next key change: today every DANE sender delivers (info level; the
        // rollover row says it apart from the verdict).
        findings.push_back(make_finding(
            "dane.rollover_single", h.host, fmt::format("{}: {}", h.host, roll.why),
            tlsa_evidence(h),
            "Publish a second record before you need it: \"current + next\" (3 1 1 of the next "
            "key as well) or \"3 1 1 + 2 1 1\" (the issuer's key too), e.g.:\n" +
                suggested_tlsa(h)));
      }
    }
    if (h.tlsa.state == TlsaState::kInsecure || h.tlsa.unprotected_answer) {
      ++unprotected;
      findings.push_back(make_finding(
          "dane.tlsa_insecure", h.host,
          fmt::format("TLSA records for {} are published, but DNSSEC does not protect them "
                      "({}), so senders ignore them",
                      h.host, h.tlsa.reason),
          tlsa_evidence(h),
          "Sign the zone that holds the MX host and its TLSA records (and the MX records), then "
          "publish the DS at the registrar."));
    }
  }

  // DNSSEC is there, TLSA is not: say exactly what to publish.
  const bool mx_secure = transport.mx_secure;
  // RFC 7672 §2.2.1: with an insecure MX RRset, DANE of the hosts protects only the last hop.
  const bool host_dane =
      std::any_of(transport.hosts.begin(), transport.hosts.end(), [](const HostTransport& h) {
        return h.tlsa.insecure_mx &&
               (h.tlsa.state == TlsaState::kUsable || h.tlsa.state == TlsaState::kAllUnusable ||
                h.tlsa.state == TlsaState::kFailed);
      });
  if (transport.mx_lookup && !mx_secure && host_dane) {
    findings.push_back(make_finding(
        "dane.mx_insecure", domain,
        fmt::format("the MX records of {} are not DNSSEC-secure: senders that apply DANE to "
                    "secure MX hosts anyway (Postfix 3.6 and later by default) authenticate the "
                    "hosts by their own names, but an attacker who forges the MX records can "
                    "still redirect the mail, and stricter senders use no DANE at all",
                    domain),
        {mx.mx.describe()},
        fmt::format("Sign the zone of {} and publish its DS at the registrar, so that the MX "
                    "records are protected too.",
                    domain)));
  }
  if (with_tlsa == 0 && unprotected == 0) {
    for (const auto& h : transport.hosts) {
      if (mx_secure && h.tlsa.state == TlsaState::kAbsent) {
        std::string fix = suggested_tlsa(h);
        findings.push_back(make_finding(
            "dane.not_deployed", h.host,
            fmt::format("{} is DNSSEC-signed but publishes no TLSA records", h.host), {},
            fix.empty()
                ? std::string("Publish a TLSA record for the server's key at ") + host_owner(h)
                : "Publish:\n" + fix));
      }
    }
  } else if (authenticated > 0 && authenticated < static_cast<int>(transport.hosts.size())) {
    findings.push_back(make_finding(
        "dane.partial", domain,
        fmt::format("DANE authenticates {} of {} MX hosts; mail can still go to the others "
                    "without it",
                    authenticated, transport.hosts.size())));
  }

  rep.details["hosts"] = std::move(hosts);
  rep.details["mx_secure"] = mx_secure;
  // Rollover readiness: its own result beside the verdict (advice about the future).
  Advisory roll{"rollover", "not_applicable", "no MX host is authenticated by DANE now"};
  if (roll_judged > 0) {
    roll.status = roll_ready == roll_judged ? "ready" : "not_ready";
    roll.summary = fmt::format("{} of {} DANE-authenticated host(s) ready for a key change ({})",
                               roll_ready, roll_judged, roll_schemes);
  }
  rep.details["rollover"] = {{"status", roll.status}, {"summary", roll.summary}};
  // A row of its own only where DANE is in use; JSON always carries details.rollover.
  if (roll_judged > 0) rep.advisories.push_back(std::move(roll));

  const char* hosts_word = transport.mx_lookup ? "MX host(s)" : "host(s)";
  bool critical = false, warning = false;
  for (const auto& f : findings) {
    critical |= finding_def(f.id).severity == Severity::kCritical;
    warning |= finding_def(f.id).severity == Severity::kWarning;
  }
  if (transport.mx_lookup && mx.mx.security == dns::Security::kBogus) {
    // RFC 7672 §2.1.1: a bogus MX RRset is a lookup failure; a DANE sender defers everything.
    findings.push_back(make_finding(
        "dane.mx_bogus", domain,
        fmt::format("the MX records of {} fail DNSSEC validation, so DANE senders defer all mail",
                    domain),
        {mx.mx.describe()}, "Repair the zone's DNSSEC first (see the dnssec findings)."));
    rep.status = Status::kFail;
    rep.summary = "the MX records are bogus: DANE senders defer all mail";
  } else if (transport.hosts.empty() && transport.mx_lookup && !mx.mx.is_answer()) {
    // What could not be determined is an error, never "not deployed".
    rep.status = Status::kError;
    rep.summary =
        fmt::format("not determined: the MX lookup failed ({})", dns::to_string(mx.mx.outcome));
  } else if (transport.hosts.empty()) {
    rep.status = Status::kNone;
    rep.summary = "no MX hosts to protect";
  } else if (critical || deferred > 0) {
    rep.status = Status::kFail;
    rep.summary = fmt::format("a DANE sender would defer mail to {} of {} {}", deferred,
                              transport.hosts.size(), hosts_word);
  } else if (with_tlsa == 0 && unprotected == 0) {
    rep.status = Status::kNone;
    // "DNSSEC is ready" only where a DANE sender securely learnt that no TLSA exists.
    const bool ready = mx_secure && std::any_of(transport.hosts.begin(), transport.hosts.end(),
                                                [](const HostTransport& h) {
                                                  return h.tlsa.state == TlsaState::kAbsent;
                                                });
    rep.summary = ready ? "no TLSA records (DNSSEC is ready for them)"
                        : "not deployed: " + transport.hosts.front().tlsa.reason;
  } else if (warning || authenticated < static_cast<int>(transport.hosts.size())) {
    rep.status = Status::kWarn;
    rep.summary = fmt::format("DANE authenticates {} of {} {}", authenticated,
                              transport.hosts.size(), hosts_word);
  } else {
    rep.status = Status::kPass;
    rep.summary = fmt::format("DANE authenticates all {} {}", authenticated, hosts_word);
  }
  return rep;
}

}  // namespace mc::checks
