// findings.cpp - the findings catalogue table; see findings.hpp.
#include "core/findings.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace mc {
namespace {

using enum Severity;

constexpr std::array kCatalogue = std::to_array<FindingDef>({
    // ---- mx -------------------------------------------------------------------------------------
    {"mx.nxdomain", Area::kMx, kCritical, "The domain does not exist",
     "The DNS says the name does not exist (NXDOMAIN), so no mail can be delivered to it.",
     "RFC 5321 §5.1"},
    {"mx.lookup_failed", Area::kMx, kCritical, "The MX lookup failed",
     "Senders could not learn where to deliver mail: a server failure, a timeout or a DNSSEC "
     "validation failure makes them queue the mail and retry, and bounce it after some days.",
     "RFC 5321 §5.1, RFC 7672 §2.1.2"},
    {"mx.domain_is_alias", Area::kMx, kInfo, "The domain is an alias (CNAME)",
     "The MX lookup followed a CNAME; senders use the MX records of the target.", "RFC 5321 §5.1"},
    {"mx.null_mx", Area::kMx, kInfo, "The domain accepts no mail (null MX)",
     "A null MX says the domain accepts no mail, so senders bounce at once instead of retrying. "
     "A domain that sends no mail either should also publish SPF \"v=spf1 -all\" and DMARC "
     "p=reject.",
     "RFC 7505 §3, §4"},
    {"mx.null_mx_mixed", Area::kMx, kCritical, "A null MX is mixed with other MX records",
     "A null MX must be the only MX record; mixed with others, senders may bounce mail or deliver "
     "it, "
     "depending on their implementation.",
     "RFC 7505 §3"},
    {"mx.null_mx_preference", Area::kMx, kCritical, "A '.' exchange has a non-zero preference",
     "A null MX has preference 0 and exchange '.'; with another preference it is not a null MX and "
     "senders treat '.' as an unusable host.",
     "RFC 7505 §3"},
    {"mx.implicit", Area::kMx, kWarning, "No MX records: mail goes to the domain's own addresses",
     "Without MX records senders fall back to the domain's A/AAAA records (implicit MX). It works, "
     "but "
     "it ties mail to the web server's addresses and is easy to break by accident.",
     "RFC 5321 §5.1"},
    {"mx.no_mail_host", Area::kMx, kCritical, "No MX records and no addresses",
     "The domain has neither MX records nor A/AAAA records, so senders have nowhere to deliver.",
     "RFC 5321 §5.1, RFC 7505"},
    {"mx.target_cname", Area::kMx, kWarning, "An MX target is an alias (CNAME)",
     "An MX exchange must be a host name with address records, not an alias; some senders refuse "
     "it "
     "and DANE lookups get more complex.",
     "RFC 2181 §10.3, RFC 5321 §5.1"},
    {"mx.target_no_address", Area::kMx, kWarning, "An MX host has no IPv4 or IPv6 address",
     "Senders skip an MX host whose name has no A or AAAA records.", "RFC 5321 §5.1"},
    {"mx.target_lookup_failed", Area::kMx, kWarning,
     "The addresses of an MX host could not be looked up",
     "A failed address lookup (server failure, timeout, DNSSEC validation failure) makes senders "
     "skip that host.",
     "RFC 5321 §5.1, RFC 7672 §2.1.2"},
    {"mx.no_usable_host", Area::kMx, kCritical, "No MX host has a usable address",
     "Every MX host lacks addresses or failed to resolve, so no mail can be delivered.",
     "RFC 5321 §5.1"},
    {"mx.ip_literal", Area::kMx, kCritical, "An MX exchange is written as an IP address",
     "The exchange must be a host name; an address written as a name is looked up as a name, finds "
     "nothing, and DANE cannot apply to it.",
     "RFC 5321 §5.1, RFC 7505 §3, RFC 7672 §2.2"},
    {"mx.duplicate_host", Area::kMx, kWarning, "An MX host is listed more than once",
     "The same exchange appears in several MX records; the extra records add nothing and suggest a "
     "mistake (a backup host that was meant to be different).",
     "RFC 5321 §5.1"},
    {"mx.equal_preference", Area::kMx, kInfo, "Several MX hosts share a preference",
     "Senders pick at random among MX hosts of equal preference, which spreads load; make sure "
     "each "
     "of them accepts mail for the domain.",
     "RFC 5321 §5.1"},
    {"mx.too_many_hosts", Area::kMx, kWarning, "The MX RRset names very many hosts",
     "Senders try only a few MX hosts; a very long list adds nothing but lookups and delay. "
     "MailCheck checks the most preferred hosts and lists how many it skipped.",
     "RFC 5321 §5.1"},
    {"mx.no_ipv6", Area::kMx, kInfo, "No MX host has an IPv6 address",
     "IPv6-only senders cannot reach the domain's mail servers.", "RFC 3974"},

    // ---- dnssec ---------------------------------------------------------------------------------
    {"dnssec.unsigned", Area::kDnssec, kWarning, "The domain is not DNSSEC-signed",
     "Without DNSSEC, MX records and TLSA records can be forged, so DANE cannot protect mail to "
     "the "
     "domain.",
     "RFC 4033 §2, RFC 7672 §1.3"},
    {"dnssec.bogus", Area::kDnssec, kCritical, "DNSSEC validation fails (bogus)",
     "Validating resolvers answer SERVFAIL for bogus data, so validating senders cannot find the "
     "domain's mail servers and mail waits in their queues.",
     "RFC 4035 §4.3, RFC 7672 §2.1.1"},
    {"dnssec.indeterminate", Area::kDnssec, kCritical, "The DNSSEC state could not be determined",
     "The answers needed to validate could not be obtained (server failure or timeout); senders "
     "treat "
     "this as a lookup failure and defer mail.",
     "RFC 4035 §4.3, RFC 7672 §2.1.1"},
    {"dnssec.mx_host_bogus", Area::kDnssec, kCritical,
     "An MX host's addresses fail DNSSEC validation",
     "Validating senders cannot resolve this MX host and skip it.",
     "RFC 4035 §4.3, RFC 7672 §2.1.2"},
    {"dnssec.mx_host_insecure", Area::kDnssec, kWarning, "An MX host lives in an unsigned zone",
     "The domain is signed but this MX host's address records are not, so DANE cannot protect "
     "delivery to it: a DANE sender does not even look up its TLSA records.",
     "RFC 7672 §2.2.2"},
    {"dnssec.mx_insecure", Area::kDnssec, kWarning, "The MX records are not DNSSEC-secure",
     "The domain is signed but its MX answer is not (for example a CNAME into an unsigned zone), "
     "so "
     "DANE cannot authenticate delivery to the domain.",
     "RFC 7672 §2.1.2, §2.2.1"},
    {"dnssec.algorithm_deprecated", Area::kDnssec, kWarning,
     "The zone is signed with a deprecated algorithm",
     "Validators are told to stop supporting this algorithm; once they do, the zone counts as "
     "unsigned.",
     "RFC 8624 §3.1"},
    {"dnssec.ds_sha1_only", Area::kDnssec, kWarning, "The only DS digest is SHA-1",
     "DS records with SHA-1 digests must not be published; add a SHA-256 (digest type 2) DS.",
     "RFC 8624 §3.3"},
    {"dnssec.nsec3_iterations", Area::kDnssec, kWarning, "NSEC3 uses extra iterations",
     "NSEC3 must use 0 extra iterations; validators may treat answers with more as insecure or "
     "SERVFAIL, which can silently turn DANE off or make mail wait.",
     "RFC 9276 §3.1, §3.2"},
    {"dnssec.nsec3_salt", Area::kDnssec, kInfo, "NSEC3 uses a salt",
     "A salt adds no protection and should not be used.", "RFC 9276 §3.1"},
});

}  // namespace

std::span<const FindingDef> finding_catalogue() { return kCatalogue; }

const FindingDef& finding_def(std::string_view id) {
  for (const auto& def : kCatalogue) {
    if (def.id == id) return def;
  }
  std::fprintf(stderr, "internal error: unknown finding id '%.*s'\n", static_cast<int>(id.size()),
               id.data());
  std::abort();
}

Finding make_finding(std::string_view id, std::string subject, std::string summary,
                     std::vector<std::string> evidence, std::string recommendation) {
  const FindingDef& def = finding_def(id);
  return Finding{std::string(def.id), std::move(subject), std::move(summary), std::move(evidence),
                 std::move(recommendation)};
}

std::string catalogue_markdown() {
  std::string out =
      "# Findings catalogue\n\n"
      "Generated by `mailcheck findings --format markdown`; a test keeps this file and the code in "
      "step. Ids are stable: they are part of the JSON output contract.\n\n"
      "Severities: `info` (worth knowing), `warning` (weakens protection), `critical` (mail or its "
      "protection fails).\n";
  std::string_view current_area;
  for (const auto& def : kCatalogue) {
    if (to_string(def.area) != current_area) {
      current_area = to_string(def.area);
      out += fmt::format(
          "\n## {}\n\n| id | severity | title | why it matters | reference |\n"
          "|---|---|---|---|---|\n",
          current_area);
    }
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", def.id, to_string(def.severity), def.title,
                       def.explanation, def.reference);
  }
  return out;
}

}  // namespace mc
