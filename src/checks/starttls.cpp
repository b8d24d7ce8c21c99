// starttls.cpp - see starttls.hpp.
#include "checks/starttls.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "core/findings.hpp"
#include "tls/certificate.hpp"

namespace mc::checks {
namespace {

bool contains(const std::string& s, std::string_view needle) {
  return s.find(needle) != std::string::npos;
}

nlohmann::json cert_json(const tls::CertificateInfo& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"dns_names", c.dns_names},
          {"not_before", c.not_before},
          {"not_after", c.not_after},
          {"key_type", c.key_type},
          {"key_bits", c.key_bits},
          {"curve", c.curve},
          {"signature_algorithm", c.signature_algorithm},
          {"sha256", c.sha256},
          {"spki_sha256", c.spki_sha256},
          {"self_signed", c.self_signed}};
}

// failure_finding - the catalogue id for the step at which a probe stopped.
std::string_view failure_id(const net::ProbeFailure& f) {
  switch (f.step) {
    case net::ProbeStep::kConnect:
      return f.kind == "blocked" ? "starttls.address_not_public" : "starttls.connect_failed";
    case net::ProbeStep::kGreeting:
      // A reset lands on connect or greeting depending on timing; either way the server tore
      // the connection down, so it is one finding.
      return f.kind == "reset" ? "starttls.connect_failed" : "starttls.greeting_failed";
    case net::ProbeStep::kEhlo:
      return "starttls.ehlo_failed";
    case net::ProbeStep::kStarttls:
      return f.kind == "not_offered" ? "starttls.not_offered" : "starttls.refused";
    case net::ProbeStep::kTlsHandshake:
      return "starttls.handshake_failed";
    case net::ProbeStep::kEhloAfterTls:
      return "starttls.ehlo_after_tls_failed";
    case net::ProbeStep::kQuit:
      return "";
  }
  return "";
}

std::string_view failure_fix(std::string_view id) {
  if (id == "starttls.address_not_public") {
    return "Publish only globally routable addresses (A/AAAA) for MX hosts that receive mail "
           "from the internet; keep internal addresses in an internal view of the zone.";
  }
  if (id == "starttls.connect_failed") {
    return "Make sure the server listens on port 25 on this address and that no firewall drops "
           "or refuses connections to it.";
  }
  if (id == "starttls.greeting_failed") {
    return "The server must greet with a 220 reply promptly (RFC 5321 §4.2); check that an SMTP "
           "server, not another service, answers on port 25.";
  }
  if (id == "starttls.ehlo_failed") return "The server must accept EHLO (RFC 5321 §4.1.1.1).";
  if (id == "starttls.not_offered") {
    return "Enable STARTTLS (Postfix: smtpd_tls_security_level = may, with smtpd_tls_chain_files "
           "set to the key and certificate chain).";
  }
  if (id == "starttls.refused") {
    return "The server offers STARTTLS but does not start TLS: check its certificate and key "
           "configuration and its TLS logs.";
  }
  if (id == "starttls.handshake_failed") {
    return "Check the server's certificate, key and TLS protocol settings (TLS 1.2 and 1.3 "
           "should be enabled).";
  }
  return "Check the server's logs for the EHLO after STARTTLS.";
}

}  // namespace

bool weak_cipher(int version, const std::string& cipher) {
  for (std::string_view bad : {"RC4", "DES", "NULL", "EXP", "ADH", "AECDH", "anon", "MD5"}) {
    if (contains(cipher, bad)) return true;
  }
  // TLS 1.3 suites always use ephemeral key exchange; before that, names without (EC)DHE use
  // static RSA key exchange: no forward secrecy.
  if (version != TLS1_3_VERSION && !contains(cipher, "DHE") && !contains(cipher, "ECDHE"))
    return true;
  return false;
}

bool weak_key_exchange(const std::string& kex_type, int kex_bits) {
  if (kex_bits <= 0) return false;  // unknown: nothing to judge
  if (kex_type == "DH" || kex_type == "DHX") return kex_bits < 2048;
  if (kex_type == "EC") return kex_bits < 224;
  return false;  // X25519, X448 and the like
}

StarttlsInput starttls_input(const TransportData& transport, const MxData& mx,
                             const std::string& ca_file, std::time_t now) {
  StarttlsInput in{transport, mx, now, {}};
  for (const auto& h : transport.hosts) {
    for (const auto& p : h.probes) {
      ProbedAddress a{&h, &p, {}, {}};
      if (p.tls && !p.tls->chain_der.empty()) {
        if (auto leaf = tls::inspect_certificate(p.tls->chain_der[0])) a.leaf = std::move(*leaf);
        a.pkix = tls::verify_pkix(p.tls->chain_der, h.host, ca_file, now);
      }
      in.addresses.push_back(std::move(a));
    }
  }
  return in;
}

namespace {

std::string subject_of(const ProbedAddress& a) {
  return fmt::format("{} [{}]", a.host->host, a.probe->target.address);
}

std::string session_line(const net::ProbeResult& p) {
  if (p.tls) {
    return fmt::format("{} {}{}", net::protocol_name(p.tls->version), p.tls->cipher,
                       p.tls->group.empty() ? "" : ", " + p.tls->group);
  }
  return p.failure ? fmt::format("no TLS: {} {}", net::to_string(p.failure->step), p.failure->kind)
                   : std::string("no TLS");
}

std::vector<std::string> leaf_evidence(const ProbedAddress& a) {
  if (!a.leaf) return {};
  const auto& l = *a.leaf;
  return {fmt::format("subject: {}", l.subject), fmt::format("issuer: {}", l.issuer),
          fmt::format("DNS names: {}", fmt::join(l.dns_names, ", ")),
          fmt::format("valid: {} to {}", l.not_before, l.not_after)};
}

int count_blocked(const StarttlsInput& in) {
  return static_cast<int>(
      std::count_if(in.addresses.begin(), in.addresses.end(), [](const ProbedAddress& a) {
        return a.probe->failure && failure_id(*a.probe->failure) == "starttls.address_not_public";
      }));
}

// ---- rules ----------------------------------------------------------------------------------

// The probe used the unvalidated data (fetched with CD=1): useful evidence, but a validating
// sender stops at the failed lookup and never connects (RFC 7672 §2.1.2).
void unvalidated_host(const HostTransport& h, Evaluation& ev) {
  if (h.tlsa.state != TlsaState::kHostFailed || h.probes.empty()) return;
  std::vector<std::string> addrs;
  for (const auto& p : h.probes) addrs.push_back(p.target.address);
  ev.add("starttls.address_not_validated", h.host,
         fmt::format("{}: a validating sender would not connect to {} at all; the results below "
                     "come from the unvalidated addresses",
                     h.tlsa.reason, fmt::join(addrs, ", ")),
         addrs, "See the dane finding dane.host_lookup_failed: repair the host's DNSSEC.");
}

// Each way the SMTP dialogue can fail before a TLS session (RFC 5321, RFC 3207).
void probe_failure(const ProbedAddress& a, Evaluation& ev) {
  const auto& p = *a.probe;
  if (!p.failure) return;
  const std::string_view id = failure_id(*p.failure);
  if (id.empty()) return;
  std::vector<std::string> evidence;
  if (p.greeting) evidence.push_back(p.greeting->text());
  if (p.starttls_reply) evidence.push_back(p.starttls_reply->text());
  evidence.push_back(fmt::format("{} failed ({}): {}", net::to_string(p.failure->step),
                                 p.failure->kind, p.failure->detail));
  const std::string subject = subject_of(a);
  ev.add(
      id, subject,
      fmt::format("{}: {} failed: {}", subject, net::to_string(p.failure->step), p.failure->detail),
      std::move(evidence), std::string(failure_fix(id)));
}

// What the session negotiated: RFC 8996 (no TLS 1.0/1.1), RFC 9325 (ciphers, key exchange),
// RFC 3207 §4.2 (no STARTTLS after TLS), and nothing in cleartext after the 220.
void session(const ProbedAddress& a, Evaluation& ev) {
  const auto& p = *a.probe;
  const auto& t = *p.tls;
  const std::string subject = subject_of(a);
  const std::string line = session_line(p);
  if (t.version < TLS1_2_VERSION) {
    ev.add("starttls.old_tls", subject,
           fmt::format("{} negotiated {}, which must no longer be used", subject,
                       net::protocol_name(t.version)),
           {line},
           "Disable TLS 1.0 and 1.1 and enable TLS 1.2 and 1.3 (Postfix: "
           "smtpd_tls_protocols = >=TLSv1.2).");
  }
  if (weak_cipher(t.version, t.cipher)) {
    ev.add("starttls.weak_cipher", subject,
           fmt::format("{} chose the weak cipher suite {}", subject, t.cipher), {line},
           "Prefer ECDHE key exchange with AES-GCM or ChaCha20-Poly1305; disable RC4, 3DES, "
           "export, anonymous and static-RSA suites.");
  }
  if (weak_key_exchange(t.kex_type, t.kex_bits)) {
    ev.add("starttls.weak_key_exchange", subject,
           fmt::format("{} uses a {}-bit {} key exchange", subject, t.kex_bits, t.kex_type), {line},
           "Use ECDHE (X25519 or P-256) or finite-field groups of at least 2048 bits "
           "(RFC 7919 ffdhe2048 or larger).");
  }
  if (p.starttls_after_tls) {
    ev.add("starttls.listed_after_tls", subject,
           fmt::format("{} still offers STARTTLS after TLS was started", subject), {},
           "The server must not list STARTTLS after the TLS handshake (RFC 3207 §4.2).");
  }
  if (p.bytes_after_starttls > 0) {
    ev.add("starttls.cleartext_after_starttls", subject,
           fmt::format("{} sent {} byte(s) in cleartext after its 220 reply to STARTTLS", subject,
                       p.bytes_after_starttls),
           {}, "Upgrade the SMTP server: nothing may follow the 220 reply in cleartext.");
  }
}

// The certificate as a web-PKI client (an MTA-STS sender) sees it: RFC 5280, RFC 6125.
void certificate(const ProbedAddress& a, std::time_t now, Evaluation& ev) {
  if (!a.pkix) return;
  const auto& pkix = *a.pkix;
  const std::string subject = subject_of(a);
  const auto evidence = leaf_evidence(a);
  const bool expired = pkix.error_code == X509_V_ERR_CERT_HAS_EXPIRED;
  if (expired) {
    ev.add("starttls.cert_expired", subject,
           fmt::format("the certificate of {} has expired", subject), evidence,
           "Renew the certificate (and keep the key, or update TLSA records first).");
  } else if (!pkix.chain_trusted) {
    ev.add("starttls.cert_untrusted", subject,
           fmt::format("the certificate of {} does not chain to a trusted CA: {}", subject,
                       pkix.error),
           evidence,
           "Use a certificate from a public CA and send the intermediate certificates too "
           "(senders without DANE, and MTA-STS, need it).");
  }
  if (!pkix.name_matches) {
    ev.add("starttls.cert_name_mismatch", subject,
           fmt::format("the certificate of {} is not valid for {}", subject, a.host->host),
           evidence,
           fmt::format("Get a certificate whose subjectAltName includes {}.", a.host->host));
  }
  if (a.leaf && !expired &&
      a.leaf->not_after_epoch - static_cast<std::int64_t>(now) < kExpiryWarningSeconds) {
    ev.add("starttls.cert_expiring", subject,
           fmt::format("the certificate of {} expires on {}", subject, a.leaf->not_after), evidence,
           "Renew the certificate now.");
  }
  if (a.leaf && a.leaf->key_type == "RSA" && a.leaf->key_bits < 2048) {
    ev.add("starttls.weak_key", subject,
           fmt::format("the certificate of {} has a {}-bit RSA key", subject, a.leaf->key_bits),
           evidence, "Use an RSA key of at least 2048 bits, or an EC P-256 key.");
  }
}

std::vector<std::string> skipped_addresses(const TransportData& transport) {
  std::vector<std::string> out;
  for (const auto& h : transport.hosts) {
    for (const auto& a : h.skipped_addresses) out.push_back(fmt::format("{} [{}]", h.host, a));
  }
  return out;
}

void probe_limit(const TransportData& transport, Evaluation& ev) {
  const auto skipped = skipped_addresses(transport);
  if (skipped.empty()) return;
  ev.add("starttls.probe_limit", transport.hosts.front().host,
         fmt::format("{} more MX address(es) were not probed: at most {} IPv4 and {} IPv6 "
                     "addresses per host and {} in all are",
                     skipped.size(), kProbesPerFamily, kProbesPerFamily, kProbesPerAudit),
         skipped,
         "Publish only the addresses your mail servers really listen on; senders try only a "
         "few addresses per host.");
}

nlohmann::json address_json(const ProbedAddress& a) {
  const auto& p = *a.probe;
  nlohmann::json aj{{"address", p.target.address},
                    {"connected", p.connected},
                    {"greeting", p.greeting ? nlohmann::json(p.greeting->text()) : nullptr},
                    {"extensions", p.extensions},
                    {"starttls_offered", p.starttls_offered},
                    {"starttls_accepted", p.starttls_accepted},
                    {"elapsed_ms", p.elapsed_ms}};
  if (p.failure) {
    aj["failure"] = {{"step", net::to_string(p.failure->step)},
                     {"kind", p.failure->kind},
                     {"detail", p.failure->detail}};
  }
  if (!p.tls) return aj;
  const auto& t = *p.tls;
  aj["tls"] = {{"version", net::protocol_name(t.version)},
               {"cipher", t.cipher},
               {"group", t.group},
               {"kex_type", t.kex_type},
               {"kex_bits", t.kex_bits}};
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& der : t.chain_der) {
    if (auto c = tls::inspect_certificate(der)) {
      nlohmann::json cj = cert_json(*c);
      cj["pem"] = tls::der_to_pem(der);  // the chain exactly as the server sent it
      chain.push_back(std::move(cj));
    }
  }
  aj["certificates"] = std::move(chain);
  if (a.pkix) {
    aj["pkix"] = {{"valid", a.pkix->valid},
                  {"chain_trusted", a.pkix->chain_trusted},
                  {"name_matches", a.pkix->name_matches},
                  {"error", a.pkix->error}};
  }
  return aj;
}

std::optional<Fact> certificate_fact(const ProbedAddress& a) {
  if (!a.leaf || !a.pkix) return std::nullopt;
  const auto& l = *a.leaf;
  return Fact{"  certificate",
              fmt::format("{} ({}{}{}), expires {}, {}", fmt::join(l.dns_names, " "), l.key_type,
                          l.curve.empty() ? "" : " " + l.curve,
                          l.key_type == "RSA" ? fmt::format(" {}", l.key_bits) : "", l.not_after,
                          a.pkix->valid ? "web-PKI valid" : a.pkix->error)};
}

}  // namespace

Evaluation evaluate_starttls(const StarttlsInput& in) {
  Evaluation ev;
  for (const auto& h : in.transport.hosts) {
    unvalidated_host(h, ev);
    for (const auto& a : in.addresses) {
      if (a.host != &h) continue;
      probe_failure(a, ev);
      if (a.probe->tls) {
        session(a, ev);
        certificate(a, in.now, ev);
      }
    }
  }
  probe_limit(in.transport, ev);
  // No address to probe: undetermined when the MX lookup failed, else nothing deployed. Every
  // address blocked (not public) fails through address_not_public, which is critical.
  if (in.addresses.empty()) {
    ev.state = in.transport.mx_lookup && !in.mx.mx.is_answer() ? AreaState::kUndetermined
                                                               : AreaState::kNotDeployed;
  }
  return ev;
}

AreaView starttls_view(const StarttlsInput& in, const Evaluation& ev) {
  AreaView v;
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : in.transport.hosts) {
    nlohmann::json hj{{"name", h.host}, {"addresses", nlohmann::json::array()}};
    if (h.tlsa.state == TlsaState::kHostFailed && !h.probes.empty()) hj["validated"] = false;
    for (const auto& a : in.addresses) {
      if (a.host != &h) continue;
      hj["addresses"].push_back(address_json(a));
      v.facts.push_back({subject_of(a), session_line(*a.probe)});
      if (auto f = certificate_fact(a)) v.facts.push_back(std::move(*f));
    }
    hosts.push_back(std::move(hj));
  }
  v.details["hosts"] = std::move(hosts);
  if (const auto skipped = skipped_addresses(in.transport); !skipped.empty()) {
    v.details["addresses_not_probed"] = skipped;
  }
  const int addresses = static_cast<int>(in.addresses.size());
  const int blocked = count_blocked(in);
  const int tls_ok = static_cast<int>(
      std::count_if(in.addresses.begin(), in.addresses.end(),
                    [](const ProbedAddress& a) { return a.probe->tls.has_value(); }));
  const char* word = in.transport.mx_lookup ? "MX address(es)" : "address(es)";
  if (ev.state == AreaState::kUndetermined) {
    v.summary =
        fmt::format("not determined: the MX lookup failed ({})", dns::to_string(in.mx.mx.outcome));
  } else if (ev.state == AreaState::kNotDeployed) {
    v.summary = in.mx.hosts.empty() ? "no MX hosts" : "no MX address to probe";
  } else if (blocked == addresses) {
    v.summary = fmt::format("no public {} to probe ({} not public)", word, blocked);
  } else if (status_from(ev.findings, ev.state) == Status::kFail) {
    v.summary = fmt::format("TLS works on {} of {} {}", tls_ok, addresses, word);
  } else {
    v.summary = fmt::format("TLS on all {} {}", addresses, word);
  }
  return v;
}

AreaReport starttls_report(const TransportData& transport, const MxData& mx,
                           const std::string& ca_file, std::time_t now) {
  const StarttlsInput in = starttls_input(transport, mx, ca_file, now);
  const Evaluation ev = evaluate_starttls(in);
  return area_report(Area::kStarttls, ev, starttls_view(in, ev), transport.elapsed_ms);
}

}  // namespace mc::checks
