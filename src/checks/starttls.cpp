// starttls.cpp - see starttls.hpp.
#include "checks/starttls.hpp"

#include <fmt/format.h>
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

bool weak_cipher(const std::string& version, const std::string& cipher) {
  for (std::string_view bad : {"RC4", "DES", "NULL", "EXP", "ADH", "AECDH", "anon", "MD5"}) {
    if (contains(cipher, bad)) return true;
  }
  // TLS 1.3 suites always use ephemeral key exchange; before that, names without (EC)DHE use
  // static RSA key exchange: no forward secrecy.
  if (version != "TLSv1.3" && !contains(cipher, "DHE") && !contains(cipher, "ECDHE")) return true;
  return false;
}

bool weak_key_exchange(const std::string& kex_type, int kex_bits) {
  if (kex_bits <= 0) return false;  // unknown: nothing to judge
  if (kex_type == "DH" || kex_type == "DHX") return kex_bits < 2048;
  if (kex_type == "EC") return kex_bits < 224;
  return false;  // X25519, X448 and the like
}

AreaReport evaluate_starttls(const TransportData& transport, const MxData& mx,
                             const std::string& ca_file, std::time_t now) {
  AreaReport rep;
  rep.area = Area::kStarttls;
  rep.elapsed_ms = transport.elapsed_ms;
  auto& findings = rep.findings;
  nlohmann::json hosts = nlohmann::json::array();
  int addresses = 0, tls_ok = 0, blocked = 0;

  for (const auto& h : transport.hosts) {
    nlohmann::json hj{{"name", h.host}, {"addresses", nlohmann::json::array()}};
    if (h.tlsa.state == TlsaState::kHostFailed && !h.probes.empty()) {
      // The probe used the unvalidated data (fetched with CD=1): useful evidence, but a
      // validating sender stops at the failed lookup and never connects (RFC 7672 §2.1.2).
      std::vector<std::string> addrs;
      for (const auto& p : h.probes) addrs.push_back(p.target.address);
      findings.push_back(make_finding(
          "starttls.address_not_validated", h.host,
          fmt::format("{}: a validating sender would not connect to {} at all; the results below "
                      "come from the unvalidated addresses",
                      h.tlsa.reason, fmt::join(addrs, ", ")),
          addrs, "See the dane finding dane.host_lookup_failed: repair the host's DNSSEC."));
      hj["validated"] = false;
    }
    for (const auto& p : h.probes) {
      ++addresses;
      const std::string subject = fmt::format("{} [{}]", h.host, p.target.address);
      nlohmann::json aj;
      aj["address"] = p.target.address;
      aj["connected"] = p.connected;
      aj["greeting"] = p.greeting ? nlohmann::json(p.greeting->text()) : nlohmann::json(nullptr);
      aj["extensions"] = p.extensions;
      aj["starttls_offered"] = p.starttls_offered;
      aj["starttls_accepted"] = p.starttls_accepted;
      aj["elapsed_ms"] = p.elapsed_ms;
      if (p.failure) {
        aj["failure"] = {{"step", net::to_string(p.failure->step)},
                         {"kind", p.failure->kind},
                         {"detail", p.failure->detail}};
        const std::string_view id = failure_id(*p.failure);
        if (id == "starttls.address_not_public") ++blocked;
        if (!id.empty()) {
          std::vector<std::string> ev;
          if (p.greeting) ev.push_back(p.greeting->text());
          if (p.starttls_reply) ev.push_back(p.starttls_reply->text());
          ev.push_back(fmt::format("{} failed ({}): {}", net::to_string(p.failure->step),
                                   p.failure->kind, p.failure->detail));
          findings.push_back(
              make_finding(id, subject,
                           fmt::format("{}: {} failed: {}", subject,
                                       net::to_string(p.failure->step), p.failure->detail),
                           std::move(ev), std::string(failure_fix(id))));
        }
      }
      std::string line =
          p.tls ? fmt::format("{} {}{}", p.tls->version, p.tls->cipher,
                              p.tls->group.empty() ? "" : ", " + p.tls->group)
                : (p.failure ? fmt::format("no TLS: {} {}", net::to_string(p.failure->step),
                                           p.failure->kind)
                             : std::string("no TLS"));
      rep.facts.push_back(Fact{subject, line});
      if (p.tls) {
        ++tls_ok;
        const auto& t = *p.tls;
        aj["tls"] = {{"version", t.version},
                     {"cipher", t.cipher},
                     {"group", t.group},
                     {"kex_type", t.kex_type},
                     {"kex_bits", t.kex_bits}};
        if (t.version == "TLSv1" || t.version == "TLSv1.1" || t.version == "SSLv3") {
          findings.push_back(make_finding(
              "starttls.old_tls", subject,
              fmt::format("{} negotiated {}, which must no longer be used", subject, t.version),
              {line},
              "Disable TLS 1.0 and 1.1 and enable TLS 1.2 and 1.3 (Postfix: "
              "smtpd_tls_protocols = >=TLSv1.2)."));
        }
        if (weak_cipher(t.version, t.cipher)) {
          findings.push_back(make_finding(
              "starttls.weak_cipher", subject,
              fmt::format("{} chose the weak cipher suite {}", subject, t.cipher), {line},
              "Prefer ECDHE key exchange with AES-GCM or ChaCha20-Poly1305; disable RC4, 3DES, "
              "export, anonymous and static-RSA suites."));
        }
        if (weak_key_exchange(t.kex_type, t.kex_bits)) {
          findings.push_back(make_finding(
              "starttls.weak_key_exchange", subject,
              fmt::format("{} uses a {}-bit {} key exchange", subject, t.kex_bits, t.kex_type),
              {line},
              "Use ECDHE (X25519 or P-256) or finite-field groups of at least 2048 bits "
              "(RFC 7919 ffdhe2048 or larger)."));
        }
        if (p.starttls_after_tls) {
          findings.push_back(make_finding(
              "starttls.listed_after_tls", subject,
              fmt::format("{} still offers STARTTLS after TLS was started", subject), {},
              "The server must not list STARTTLS after the TLS handshake (RFC 3207 §4.2)."));
        }
        if (p.bytes_after_starttls > 0) {
          findings.push_back(make_finding(
              "starttls.cleartext_after_starttls", subject,
              fmt::format("{} sent {} byte(s) in cleartext after its 220 reply to STARTTLS",
                          subject, p.bytes_after_starttls),
              {}, "Upgrade the SMTP server: nothing may follow the 220 reply in cleartext."));
        }
        nlohmann::json chain = nlohmann::json::array();
        for (const auto& der : t.chain_der) {
          if (auto c = tls::inspect_certificate(der)) {
            nlohmann::json cj = cert_json(*c);
            cj["pem"] = tls::der_to_pem(der);  // the chain exactly as the server sent it
            chain.push_back(std::move(cj));
          }
        }
        aj["certificates"] = std::move(chain);
        if (!t.chain_der.empty()) {
          auto leaf = tls::inspect_certificate(t.chain_der[0]);
          const tls::PkixVerdict pkix = tls::verify_pkix(t.chain_der, h.host, ca_file, now);
          aj["pkix"] = {{"valid", pkix.valid},
                        {"chain_trusted", pkix.chain_trusted},
                        {"name_matches", pkix.name_matches},
                        {"error", pkix.error}};
          std::vector<std::string> ev;
          if (leaf) {
            rep.facts.push_back(
                Fact{"  certificate",
                     fmt::format("{} ({}{}{}), expires {}, {}", fmt::join(leaf->dns_names, " "),
                                 leaf->key_type, leaf->curve.empty() ? "" : " " + leaf->curve,
                                 leaf->key_type == "RSA" ? fmt::format(" {}", leaf->key_bits) : "",
                                 leaf->not_after, pkix.valid ? "web-PKI valid" : pkix.error)});
            ev.push_back(fmt::format("subject: {}", leaf->subject));
            ev.push_back(fmt::format("issuer: {}", leaf->issuer));
            ev.push_back(fmt::format("DNS names: {}", fmt::join(leaf->dns_names, ", ")));
            ev.push_back(fmt::format("valid: {} to {}", leaf->not_before, leaf->not_after));
          }
          if (pkix.error_code == X509_V_ERR_CERT_HAS_EXPIRED) {
            findings.push_back(make_finding(
                "starttls.cert_expired", subject,
                fmt::format("the certificate of {} has expired", subject), ev,
                "Renew the certificate (and keep the key, or update TLSA records first)."));
          } else if (!pkix.chain_trusted) {
            findings.push_back(make_finding(
                "starttls.cert_untrusted", subject,
                fmt::format("the certificate of {} does not chain to a trusted CA: {}", subject,
                            pkix.error),
                ev,
                "Use a certificate from a public CA and send the intermediate certificates too "
                "(senders without DANE, and MTA-STS, need it)."));
          }
          if (!pkix.name_matches) {
            findings.push_back(make_finding(
                "starttls.cert_name_mismatch", subject,
                fmt::format("the certificate of {} is not valid for {}", subject, h.host), ev,
                fmt::format("Get a certificate whose subjectAltName includes {}.", h.host)));
          }
          if (leaf && pkix.error_code != X509_V_ERR_CERT_HAS_EXPIRED &&
              leaf->not_after_epoch - static_cast<std::int64_t>(now) < kExpiryWarningSeconds) {
            findings.push_back(make_finding(
                "starttls.cert_expiring", subject,
                fmt::format("the certificate of {} expires on {}", subject, leaf->not_after), ev,
                "Renew the certificate now."));
          }
          if (leaf && leaf->key_type == "RSA" && leaf->key_bits < 2048) {
            findings.push_back(make_finding(
                "starttls.weak_key", subject,
                fmt::format("the certificate of {} has a {}-bit RSA key", subject, leaf->key_bits),
                ev, "Use an RSA key of at least 2048 bits, or an EC P-256 key."));
          }
        }
      }
      hj["addresses"].push_back(std::move(aj));
    }
    hosts.push_back(std::move(hj));
  }
  rep.details["hosts"] = std::move(hosts);
  std::vector<std::string> skipped;
  for (const auto& h : transport.hosts) {
    for (const auto& a : h.skipped_addresses) skipped.push_back(fmt::format("{} [{}]", h.host, a));
  }
  if (!skipped.empty()) {
    rep.details["addresses_not_probed"] = skipped;
    findings.push_back(make_finding(
        "starttls.probe_limit", transport.hosts.front().host,
        fmt::format("{} more MX address(es) were not probed: at most {} IPv4 and {} IPv6 "
                    "addresses per host and {} in all are",
                    skipped.size(), kProbesPerFamily, kProbesPerFamily, kProbesPerAudit),
        skipped,
        "Publish only the addresses your mail servers really listen on; senders try only a "
        "few addresses per host."));
  }

  bool critical = false, warning = false;
  for (const auto& f : findings) {
    critical |= finding_def(f.id).severity == Severity::kCritical;
    warning |= finding_def(f.id).severity == Severity::kWarning;
  }
  const char* addresses_word = transport.mx_lookup ? "MX address(es)" : "address(es)";
  if (addresses == 0 && transport.mx_lookup && !mx.mx.is_answer()) {
    rep.status = Status::kError;
    rep.summary =
        fmt::format("not determined: the MX lookup failed ({})", dns::to_string(mx.mx.outcome));
  } else if (addresses == 0) {
    rep.status = Status::kNone;
    rep.summary = mx.hosts.empty() ? "no MX hosts" : "no MX address to probe";
  } else if (blocked == addresses) {
    rep.status = Status::kFail;
    rep.summary = fmt::format("no public {} to probe ({} not public)", addresses_word, blocked);
  } else if (critical) {
    rep.status = Status::kFail;
    rep.summary = fmt::format("TLS works on {} of {} {}", tls_ok, addresses, addresses_word);
  } else {
    rep.status = warning ? Status::kWarn : Status::kPass;
    rep.summary = fmt::format("TLS on all {} {}", addresses, addresses_word);
  }
  return rep;
}

}  // namespace mc::checks
