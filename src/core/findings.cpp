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
    {"dnssec.unsupported_algorithm", Area::kDnssec, kWarning,
     "Signed with an algorithm validators do not support",
     "When no DS algorithm or digest is supported, validators treat the zone as unsigned: DANE "
     "cannot protect it.",
     "RFC 4035 §5.2, RFC 8624 §3"},
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

    // ---- dane -----------------------------------------------------------------------------------
    {"dane.not_deployed", Area::kDane, kWarning, "DNSSEC is in place but no TLSA records",
     "The MX host's zone is signed, so DANE needs only TLSA records; without them senders cannot "
     "authenticate the server and an active attacker can strip or intercept TLS.",
     "RFC 7672 §1.3, §2.2"},
    {"dane.host_lookup_failed", Area::kDane, kCritical, "An MX host cannot be resolved securely",
     "A validating sender whose address (or CNAME) lookup for an MX host fails or is bogus treats "
     "the host as unusable and tries the next one or defers; it never delivers without DANE "
     "instead.",
     "RFC 7672 §2.1.2, §2.2.2"},
    {"dane.mx_insecure", Area::kDane, kWarning,
     "The MX records are not DNSSEC-secure, the MX hosts are",
     "Senders that apply DANE to secure MX hosts behind an insecure MX RRset (Postfix 3.6 and "
     "later by default) authenticate the hosts, but forged MX records can still redirect the "
     "mail, and stricter senders use no DANE at all.",
     "RFC 7672 §2.2.1, §3.2.2"},
    {"dane.tlsa_lookup_failed", Area::kDane, kCritical, "The TLSA lookup fails",
     "A TLSA lookup that fails (SERVFAIL, timeout, DNSSEC bogus) makes a DANE sender treat the MX "
     "host as unreachable and defer mail.",
     "RFC 7672 §2.2 (d), §2.1.1"},
    {"dane.only_unusable", Area::kDane, kCritical, "Every TLSA record is unusable",
     "With secure TLSA records none of which is usable, a DANE sender still requires TLS but can "
     "authenticate nothing; the publication is broken and mail is not protected.",
     "RFC 7672 §2.2 (b), §3.1.3; RFC 7671 §10.3"},
    {"dane.mismatch", Area::kDane, kCritical, "No TLSA record matches the server's certificate",
     "A DANE sender checks the certificate chain against the TLSA records and defers mail when "
     "none matches; this is what happens after a key change without a TLSA update.",
     "RFC 7672 §3, RFC 7671 §5"},
    {"dane.name_mismatch", Area::kDane, kCritical,
     "A DANE-TA record matches, but the certificate is for another name",
     "With DANE-TA(2) the server certificate must still carry the MX host name (or the "
     "CNAME-expanded name); otherwise a DANE sender defers mail.",
     "RFC 7672 §3.2.2"},
    {"dane.mx_bogus", Area::kDane, kCritical, "The MX records are bogus",
     "DANE starts from DNSSEC-validated MX records; a bogus MX RRset makes DANE senders defer "
     "all mail to the domain.",
     "RFC 7672 §2.1.1, §2.1.2"},
    {"dane.no_tls", Area::kDane, kCritical, "TLSA records but no TLS session",
     "With usable TLSA records TLS is mandatory: if STARTTLS is missing, refused or the handshake "
     "fails, a DANE sender defers mail.",
     "RFC 7672 §2.2 (a), §3"},
    {"dane.unusable_records", Area::kDane, kWarning, "Some TLSA records are unusable",
     "PKIX-TA(0), PKIX-EE(1), unknown parameters and digests of the wrong length are ignored by "
     "SMTP senders; they add confusion and nothing else.",
     "RFC 7672 §3.1.3, RFC 6698 §2.1"},
    {"dane.rollover_single", Area::kDane, kInfo, "Not ready for a key rollover",
     "DANE works today, but every published record pins the live key, so the next certificate "
     "with a new key breaks DANE until the DNS catches up. Publish \"current + next\" (3 1 1 + "
     "3 1 1) or \"3 1 1 + 2 1 1\". Advice about the future: it does not change the dane status "
     "(see details.rollover).",
     "RFC 7671 §8.1, RFC 7672 §3.1"},
    {"dane.tlsa_insecure", Area::kDane, kWarning, "TLSA records that DNSSEC does not protect",
     "TLSA records are only used when the MX records, the host's addresses and the TLSA RRset are "
     "all DNSSEC-secure; otherwise senders ignore them.",
     "RFC 7672 §2.1.2, §2.2.1, §2.2.2"},
    {"dane.partial", Area::kDane, kWarning, "DANE protects some MX hosts but not others",
     "An attacker can push mail to the MX hosts without DANE; every MX host needs usable TLSA "
     "records for the domain to be protected.",
     "RFC 7672 §2.2.1"},

    // ---- starttls -------------------------------------------------------------------------------
    {"starttls.address_not_validated", Area::kStarttls, kInfo,
     "A probed address failed DNSSEC validation",
     "The address came from data that fails validation; the probe connected to show what is "
     "there, but a validating sender would not connect at all.",
     "RFC 7672 §2.1.2; RFC 4035 §4.3"},
    {"starttls.probe_limit", Area::kStarttls, kInfo, "Not every MX address was probed",
     "The MX hosts have more addresses than an audit connects to (per host and in all); the "
     "ones listed were not checked.",
     "RFC 5321 §5.1"},
    {"starttls.address_not_public", Area::kStarttls, kCritical,
     "An MX address is not a public internet address",
     "The address is private, loopback, link-local, shared (CGNAT), multicast, documentation or "
     "otherwise reserved: senders on the internet cannot reach it. A public checker does not "
     "connect to such addresses (its guard against being used to reach internal networks).",
     "RFC 6890; RFC 5321 §5.1"},
    {"starttls.connect_failed", Area::kStarttls, kCritical, "No SMTP connection to the MX address",
     "The connection was refused, reset or timed out; senders cannot deliver to this address.",
     "RFC 5321 §5.1"},
    {"starttls.greeting_failed", Area::kStarttls, kCritical, "No valid SMTP greeting",
     "The server sent no greeting in time, sent something that is not SMTP, or refused the "
     "session (4xx/5xx).",
     "RFC 5321 §3.1, §4.2"},
    {"starttls.ehlo_failed", Area::kStarttls, kCritical, "EHLO was rejected",
     "Without EHLO there are no extensions, so no STARTTLS.", "RFC 5321 §4.1.1.1, RFC 3207 §4"},
    {"starttls.not_offered", Area::kStarttls, kCritical, "STARTTLS is not offered",
     "Mail to this server travels in cleartext.", "RFC 3207 §4"},
    {"starttls.refused", Area::kStarttls, kCritical, "STARTTLS is offered but refused",
     "The server lists STARTTLS but does not start TLS (e.g. 454), so mail goes in cleartext or "
     "waits.",
     "RFC 3207 §4"},
    {"starttls.handshake_failed", Area::kStarttls, kCritical, "The TLS handshake fails",
     "The server accepted STARTTLS but no TLS session could be set up.", "RFC 3207 §4.1"},
    {"starttls.ehlo_after_tls_failed", Area::kStarttls, kWarning, "EHLO after TLS failed",
     "After the handshake the client must send EHLO again; a server that fails here loses mail.",
     "RFC 3207 §4.2"},
    {"starttls.old_tls", Area::kStarttls, kWarning, "TLS 1.0 or 1.1 negotiated",
     "TLS 1.0 and 1.1 must not be used; MTA-STS requires TLS 1.2 or later.",
     "RFC 8996 §4-5, RFC 8461 §7.2"},
    {"starttls.weak_cipher", Area::kStarttls, kWarning, "Weak cipher suite",
     "The negotiated suite lacks forward secrecy or uses a broken algorithm.",
     "RFC 7525 §4.2, RFC 9325 §4.2"},
    {"starttls.weak_key_exchange", Area::kStarttls, kWarning, "Weak key exchange",
     "Finite-field Diffie-Hellman below 2048 bits, or an elliptic curve below 224 bits, can be "
     "broken by a well-resourced attacker (Logjam).",
     "RFC 9325 §4.1, §4.2.1; RFC 7919"},
    {"starttls.weak_key", Area::kStarttls, kWarning, "Weak certificate key",
     "RSA keys below 2048 bits are too weak.", "RFC 9325 §4.5"},
    {"starttls.cert_untrusted", Area::kStarttls, kWarning, "Certificate not trusted by web PKI",
     "The chain does not lead to a trusted CA: MTA-STS senders refuse it (DANE can still "
     "authenticate it).",
     "RFC 8461 §4.2, RFC 5280 §6"},
    {"starttls.cert_name_mismatch", Area::kStarttls, kWarning,
     "Certificate not valid for the MX host name",
     "No subjectAltName matches the MX host name, so MTA-STS and DANE-TA checks fail.",
     "RFC 6125 §6, RFC 8461 §4.2, RFC 7672 §3.2.2"},
    {"starttls.cert_expired", Area::kStarttls, kWarning, "Certificate expired",
     "Web-PKI clients (MTA-STS) reject an expired certificate; DANE-EE ignores expiry.",
     "RFC 5280 §4.1.2.5, RFC 7672 §3.1.1"},
    {"starttls.cert_expiring", Area::kStarttls, kWarning, "Certificate expires within 14 days",
     "Renew it before senders start rejecting it.", "RFC 5280 §4.1.2.5"},
    {"starttls.listed_after_tls", Area::kStarttls, kWarning, "STARTTLS offered again after TLS",
     "The server must not offer STARTTLS once TLS is active.", "RFC 3207 §4.2"},
    {"starttls.cleartext_after_starttls", Area::kStarttls, kWarning,
     "Cleartext data after the STARTTLS reply",
     "The server sent bytes after its 220 reply and before the handshake: the class of bug that "
     "allows command injection (CVE-2011-0411).",
     "RFC 3207 §4, §6"},

    // ---- spf ------------------------------------------------------------------------------------
    {"spf.none", Area::kSpf, kWarning, "No SPF record",
     "Without SPF anyone can use the domain in the envelope sender; receivers cannot tell forged "
     "mail from real mail, and DMARC has only DKIM to go on.",
     "RFC 7208 §2.5, §4.5"},
    {"spf.lookup_failed", Area::kSpf, kCritical, "The SPF (TXT) lookup failed",
     "Receivers get temperror and may defer or reject mail.", "RFC 7208 §4.4"},
    {"spf.multiple_records", Area::kSpf, kCritical, "More than one SPF record",
     "Two v=spf1 records make every SPF check a permerror.", "RFC 7208 §3.2, §4.5"},
    {"spf.syntax_error", Area::kSpf, kCritical, "The SPF record has a syntax error",
     "One malformed term makes the whole record a permerror before anything is evaluated.",
     "RFC 7208 §4.6, §12"},
    {"spf.include_loop", Area::kSpf, kCritical, "An include or redirect loops back",
     "The evaluation runs into the lookup limit and ends in permerror.", "RFC 7208 §4.6.4, §5.2"},
    {"spf.include_lookup_failed", Area::kSpf, kWarning, "An included record could not be fetched",
     "When evaluation reaches it, receivers get temperror.", "RFC 7208 §5.2"},
    {"spf.include_no_spf", Area::kSpf, kCritical,
     "An include or redirect names a domain without SPF",
     "Reaching it gives permerror, not a quiet no-match.", "RFC 7208 §5.2, §6.1"},
    {"spf.include_broken", Area::kSpf, kCritical, "An included record is broken",
     "A target with several or malformed SPF records gives permerror.", "RFC 7208 §5.2"},
    {"spf.mx_too_many_names", Area::kSpf, kCritical, "An mx term has more than 10 MX hosts",
     "Receivers look up addresses for at most 10 MX names per mx term; more is a permerror.",
     "RFC 7208 §4.6.4"},
    {"spf.ptr_mechanism", Area::kSpf, kWarning, "The ptr mechanism is used",
     "ptr is slow, depends on reverse DNS the sender does not control, and should not be "
     "published.",
     "RFC 7208 §5.5"},
    {"spf.too_many_lookups", Area::kSpf, kCritical, "More than 10 DNS-querying terms",
     "Receivers stop after 10 include, a, mx, ptr, exists and redirect terms with permerror, so "
     "exactly the mail SPF should judge (from unlisted hosts) gets an error instead.",
     "RFC 7208 §4.6.4"},
    {"spf.too_many_void_lookups", Area::kSpf, kCritical, "More than two void lookups",
     "Receivers stop at the third term that names a non-existent host or no records, with "
     "permerror.",
     "RFC 7208 §4.6.4"},
    {"spf.void_lookup", Area::kSpf, kWarning, "A term names a host that does not exist",
     "It can never match, costs a lookup, and counts towards the limit of two void lookups.",
     "RFC 7208 §4.6.4"},
    {"spf.pass_all", Area::kSpf, kCritical, "The record ends with +all",
     "+all authorises every host on the Internet: the record protects nothing.",
     "RFC 7208 §5.1, Appendix A"},
    {"spf.neutral_all", Area::kSpf, kWarning, "The record ends with ?all",
     "?all asserts nothing about unlisted hosts, so forged mail is not flagged.", "RFC 7208 §5.1"},
    {"spf.no_all", Area::kSpf, kWarning, "The record has no all term",
     "Without all (or a redirect), unlisted hosts get neutral: no protection.", "RFC 7208 §4.7"},
    {"spf.softfail_all", Area::kSpf, kInfo, "The record ends with ~all",
     "Unlisted hosts get softfail (accepted, marked). Fine with an enforcing DMARC policy; "
     "otherwise -all is stronger.",
     "RFC 7208 §8.5, RFC 7489 §10.1"},
    {"spf.redirect_ignored", Area::kSpf, kInfo, "redirect= is ignored because of all",
     "A record with an all term never follows its redirect modifier.", "RFC 7208 §6.1"},
    {"spf.terms_after_all", Area::kSpf, kInfo, "Terms after all are never evaluated",
     "Evaluation stops at all, so what follows is dead weight.", "RFC 7208 §5.1"},
    {"spf.record_too_long", Area::kSpf, kWarning, "The TXT answer is too large",
     "TXT data over about 450 octets may not fit a 512-octet UDP answer; some receivers fail.",
     "RFC 7208 §3.4"},
    {"spf.type99_record", Area::kSpf, kInfo, "An obsolete SPF (type 99) record is published",
     "The SPF RR type is no longer used; it only invites the two records to drift apart.",
     "RFC 7208 §3.1, §14.1"},
    {"spf.mx_not_authorised", Area::kSpf, kInfo, "The domain's MX hosts are not authorised",
     "Servers that receive the domain's mail often also send for it (bounces, forwarding).",
     "RFC 7208 §5.4"},

    // ---- dmarc ----------------------------------------------------------------------------------
    {"dmarc.none", Area::kDmarc, kWarning, "No DMARC policy",
     "Without DMARC, receivers have no instruction for mail that fails SPF and DKIM alignment, "
     "and the domain owner gets no reports of who sends as the domain.",
     "RFC 9989 §4.10.1; RFC 7489 §6.6.3"},
    {"dmarc.lookup_failed", Area::kDmarc, kCritical, "The DMARC lookup failed",
     "Receivers cannot find the policy; what they do then is their choice (deliver or defer).",
     "RFC 9989 §4.10.1; RFC 7489 §6.6.3"},
    {"dmarc.invalid_record", Area::kDmarc, kCritical, "The _dmarc record is not recognised",
     "A record must start with v=DMARC1 (case-sensitive); otherwise receivers discard it.",
     "RFC 9989 §4.7; RFC 7489 §6.4"},
    {"dmarc.multiple_records", Area::kDmarc, kCritical, "More than one DMARC record",
     "RFC 7489 receivers then apply no DMARC; RFC 9989 receivers discard them all and walk on "
     "to a parent domain's record.",
     "RFC 9989 §4.10; RFC 7489 §6.6.3"},
    {"dmarc.syntax_error", Area::kDmarc, kCritical, "The DMARC policy is invalid",
     "An invalid p, sp or np (np for RFC 9989 receivers), or a repeated tag, voids the policy: at "
     "best it acts as p=none.",
     "RFC 9989 §4.7, §4.10.1; RFC 7489 §6.3, §6.6.3"},
    {"dmarc.p_missing", Area::kDmarc, kWarning, "The record has no p= tag",
     "RFC 9989 receivers read a record without p as p=none; RFC 7489 ones find it invalid.",
     "RFC 9989 §4.7; RFC 7489 §6.3, §6.6.3"},
    {"dmarc.tag_invalid", Area::kDmarc, kWarning, "A DMARC tag has an invalid value",
     "Receivers ignore the value (or the malformed part) and apply the default, which may not be "
     "what was meant.",
     "RFC 9989 §4.8; RFC 7489 §6.3"},
    {"dmarc.p_not_second", Area::kDmarc, kWarning, "p is not the second tag",
     "RFC 7489 requires p right after v=DMARC1, and strict older receivers may discard the "
     "record; RFC 9989 allows any order.",
     "RFC 7489 §6.4; RFC 9989 §4.8"},
    {"dmarc.unknown_tag", Area::kDmarc, kInfo, "The record has tags no receiver knows",
     "Unknown tags are ignored; a misspelt tag (e.g. adkm=) silently keeps the default.",
     "RFC 9989 §4.7"},
    {"dmarc.obsolete_tag", Area::kDmarc, kInfo, "The record uses tags RFC 9989 removed",
     "pct, rf and ri are gone from RFC 9989; its receivers ignore them, RFC 7489 receivers may "
     "still honour them.",
     "RFC 9989 Appendix A.6, C.5.2"},
    {"dmarc.size_limit_obsolete", Area::kDmarc, kInfo, "A report URI has a size limit",
     "The !size suffix is obsolete syntax that RFC 9989 receivers ignore.",
     "RFC 9989 §4.8, Appendix C.4"},
    {"dmarc.inherited", Area::kDmarc, kInfo, "The policy comes from the organizational domain",
     "The domain has no record of its own; receivers use the Organizational Domain's, with its "
     "sp= policy.",
     "RFC 9989 §4.10.1; RFC 7489 §6.6.3"},
    {"dmarc.psd_policy", Area::kDmarc, kInfo, "The policy comes from the public suffix operator",
     "Neither the domain nor its Organizational Domain publishes DMARC; RFC 9989 receivers apply "
     "the record of the public suffix above it (psd=y), RFC 7489 receivers apply none.",
     "RFC 9989 §4.7 (psd), §4.10.1"},
    {"dmarc.receivers_differ", Area::kDmarc, kWarning,
     "RFC 9989 and RFC 7489 receivers apply different policies",
     "During the transition both kinds of receiver are common: the DNS Tree Walk and the Public "
     "Suffix List can pick different records, and t=y, pct or a missing p are read differently.",
     "RFC 9989 §4.10, Appendix C.3"},
    {"dmarc.org_domain_differs", Area::kDmarc, kInfo,
     "The two rule sets see different Organizational Domains",
     "Relaxed alignment compares Organizational Domains, so an identifier that aligns for one "
     "kind of receiver may not for the other.",
     "RFC 9989 §4.10.2, Appendix C.3; RFC 7489 §3.2"},
    {"dmarc.walk_incomplete", Area::kDmarc, kInfo,
     "The Organizational Domain could not be determined",
     "A lookup of the DNS Tree Walk failed, so a record further up could change the "
     "Organizational Domain used for alignment.",
     "RFC 9989 §4.10.2"},
    {"dmarc.policy_none", Area::kDmarc, kWarning, "The policy is p=none (monitoring only)",
     "Forged mail is delivered; p=none is a first step for collecting reports, not protection.",
     "RFC 9989 §4.7"},
    {"dmarc.policy_quarantine", Area::kDmarc, kInfo, "The policy is p=quarantine",
     "Failing mail is treated as suspicious; p=reject is the final step.", "RFC 9989 §4.7"},
    {"dmarc.pct_partial", Area::kDmarc, kWarning, "The policy applies to part of the mail (pct)",
     "RFC 7489 receivers give mail outside the sample the next weaker treatment; RFC 9989 "
     "removed pct and its receivers apply the policy to all mail.",
     "RFC 7489 §6.3, §6.6.4; RFC 9989 Appendix A.6"},
    {"dmarc.testing_mode", Area::kDmarc, kWarning, "Testing mode (t=y)",
     "RFC 9989 receivers apply one level less than the stated policy; RFC 7489 receivers ignore "
     "t, so only t=y together with pct=0 is a trial for both.",
     "RFC 9989 §4.7, Appendix A.6"},
    {"dmarc.subdomain_policy_weaker", Area::kDmarc, kWarning,
     "Subdomains have a weaker policy (sp)",
     "Forged mail using made-up subdomains is treated more leniently than the domain itself.",
     "RFC 9989 §4.7"},
    {"dmarc.np_weaker", Area::kDmarc, kWarning, "Non-existent subdomains have a weaker policy (np)",
     "Forged mail from names that do not exist is treated more leniently than mail from real "
     "subdomains.",
     "RFC 9989 §4.7, §3.2.13"},
    {"dmarc.no_rua", Area::kDmarc, kInfo, "No aggregate report address (rua)",
     "Without reports the owner cannot see who sends as the domain or safely tighten the policy.",
     "RFC 9989 §4.7; RFC 9990"},
    {"dmarc.uri_scheme", Area::kDmarc, kInfo, "A report URI is not mailto",
     "Receivers must support mailto; other schemes are optional and seldom used.", "RFC 9989 §4.7"},
    {"dmarc.ruf_requested", Area::kDmarc, kInfo, "Failure reports (ruf) are requested",
     "Few receivers send them, and they contain message content: mind privacy and volume.",
     "RFC 9989 §4.7; RFC 9991"},
    {"dmarc.external_check_failed", Area::kDmarc, kInfo,
     "An external report destination could not be checked",
     "The lookup of the destination's authorization record failed; receivers that meet the same "
     "failure send no reports there.",
     "RFC 9990 §4; RFC 7489 §7.1"},
    {"dmarc.external_override_invalid", Area::kDmarc, kWarning,
     "An external destination redirects the reports to another host",
     "The authorization record may replace the rua address, but only with one on the same host; "
     "otherwise receivers send reports to neither address.",
     "RFC 9990 §4; RFC 7489 §7.1"},
    {"dmarc.external_unauthorized", Area::kDmarc, kWarning,
     "An external report destination has not authorised the reports",
     "Receivers send reports to another Organizational Domain only when it publishes "
     "<domain>._report._dmarc.<destination>.",
     "RFC 9990 §4; RFC 7489 §7.1"},

    // ---- dkim -----------------------------------------------------------------------------------
    {"dkim.none_found", Area::kDkim, kWarning, "No DKIM key at the selectors tried",
     "DNS cannot list selectors, so this covers only the names tried; without DKIM, DMARC rests "
     "on SPF alone, which breaks on forwarding.",
     "RFC 6376 §3.6.2.1"},
    {"dkim.lookup_failed", Area::kDkim, kWarning, "A DKIM key lookup failed",
     "Verifiers that cannot fetch the key treat the signature as a temporary failure.",
     "RFC 6376 §6.1.2"},
    {"dkim.malformed", Area::kDkim, kCritical, "A DKIM key record is unusable",
     "A malformed tag list, a bad v=, an unknown k=, invalid base64 or a key that does not decode "
     "makes every signature with this selector fail.",
     "RFC 6376 §3.6.1, §6.1.2"},
    {"dkim.multiple_records", Area::kDkim, kWarning, "Several key records at one selector",
     "Which one a verifier uses is undefined.", "RFC 6376 §3.6.2.2"},
    {"dkim.key_revoked", Area::kDkim, kInfo, "A DKIM key is revoked (empty p=)",
     "Signatures with this selector fail; fine if the selector is retired.", "RFC 6376 §3.6.1"},
    {"dkim.sha1_only", Area::kDkim, kCritical, "The key allows only SHA-1 (h=sha1)",
     "Verifiers must not accept rsa-sha1 signatures, so no signature with this key verifies.",
     "RFC 8301 §3.1"},
    {"dkim.not_for_email", Area::kDkim, kCritical, "The key is not for email (s=)",
     "A service-type list without email or * makes the key unusable for mail.", "RFC 6376 §3.6.1"},
    {"dkim.rsa_too_short", Area::kDkim, kCritical, "RSA key shorter than 1024 bits",
     "Verifiers must reject such keys, and they can be factored.", "RFC 8301 §3.2"},
    {"dkim.rsa_weak", Area::kDkim, kWarning, "RSA key shorter than 2048 bits",
     "1024-bit keys are within reach of well-funded attackers; 2048 is the recommended minimum.",
     "RFC 8301 §3.2"},
    {"dkim.rsa_huge", Area::kDkim, kWarning, "RSA key longer than 4096 bits",
     "Verifiers are only required to handle keys up to 4096 bits.", "RFC 8301 §3.2"},
    {"dkim.rsapublickey_format", Area::kDkim, kInfo, "The RSA key is a bare RSAPublicKey",
     "RFC 6376 says RSAPublicKey, but signers and verifiers use SubjectPublicKeyInfo (erratum "
     "3017); some verifiers accept only that.",
     "RFC 6376 §3.6.1, erratum 3017"},
    {"dkim.testing", Area::kDkim, kWarning, "The key is in testing mode (t=y)",
     "Verifiers treat signatures with this key like unsigned mail.", "RFC 6376 §3.6.1"},
    {"dkim.ed25519_only", Area::kDkim, kInfo, "Only Ed25519 keys",
     "Verifiers without RFC 8463 support see the mail as unsigned; sign with RSA as well.",
     "RFC 8463 §5"},

    // ---- mta_sts --------------------------------------------------------------------------------
    {"mta_sts.none", Area::kMtaSts, kInfo, "No MTA-STS policy",
     "Senders that do not use DANE deliver over whatever TLS (or none) the path allows.",
     "RFC 8461 §1"},
    {"mta_sts.lookup_failed", Area::kMtaSts, kWarning, "The _mta-sts lookup failed",
     "Senders cannot tell whether a policy exists.", "RFC 8461 §3.1"},
    {"mta_sts.txt_missing", Area::kMtaSts, kWarning, "A policy is served but not announced",
     "Without the _mta-sts TXT record senders never fetch the policy.", "RFC 8461 §3.1"},
    {"mta_sts.txt_multiple", Area::kMtaSts, kCritical, "More than one _mta-sts record",
     "Senders then assume the domain has no policy.", "RFC 8461 §3.1"},
    {"mta_sts.txt_invalid", Area::kMtaSts, kCritical, "The _mta-sts record is invalid",
     "A record without v=STSv1 first or a valid id (1-32 letters and digits) counts as no "
     "policy.",
     "RFC 8461 §3.1"},
    {"mta_sts.policy_host_not_public", Area::kMtaSts, kCritical,
     "The policy host has no public internet address",
     "mta-sts.<domain> resolves only to private, loopback or otherwise reserved addresses: "
     "senders on the internet cannot fetch the policy. A public checker does not connect to such "
     "addresses.",
     "RFC 8461 §3.3; RFC 6890"},
    {"mta_sts.policy_unreachable", Area::kMtaSts, kCritical, "The policy cannot be fetched",
     "A connection, TLS or HTTP failure leaves senders with no policy: they deliver without "
     "MTA-STS.",
     "RFC 8461 §3.3"},
    {"mta_sts.policy_cert_invalid", Area::kMtaSts, kCritical,
     "The policy host's certificate is not valid",
     "Senders must authenticate mta-sts.<domain> with web PKI; a bad certificate means no policy.",
     "RFC 8461 §3.3"},
    {"mta_sts.policy_redirect", Area::kMtaSts, kCritical, "The policy URL redirects",
     "Senders must not follow HTTP redirects when fetching the policy.", "RFC 8461 §3.3"},
    {"mta_sts.policy_http_status", Area::kMtaSts, kCritical, "The policy URL does not answer 200",
     "Any other status means no policy.", "RFC 8461 §3.3"},
    {"mta_sts.policy_media_type", Area::kMtaSts, kCritical, "The policy is not text/plain",
     "Senders must reject a policy served with another media type.", "RFC 8461 §3.3"},
    {"mta_sts.policy_too_large", Area::kMtaSts, kCritical, "The policy is too large",
     "Senders may refuse policies over 64 KiB.", "RFC 8461 §3.3"},
    {"mta_sts.policy_invalid", Area::kMtaSts, kCritical, "The policy is invalid",
     "A policy missing version, mode, max_age or mx, or with a malformed line, is no policy.",
     "RFC 8461 §3.2"},
    {"mta_sts.policy_warning", Area::kMtaSts, kInfo, "The policy has an oddity",
     "Repeated lines or version not first: tolerated, but worth tidying.", "RFC 8461 §3.2"},
    {"mta_sts.mode_none", Area::kMtaSts, kInfo, "The policy is in mode none",
     "Mode none withdraws the policy: senders stop applying it.", "RFC 8461 §5"},
    {"mta_sts.testing_mode", Area::kMtaSts, kWarning, "The policy is in testing mode",
     "Senders report failures but deliver anyway: no protection yet.", "RFC 8461 §5"},
    {"mta_sts.max_age_short", Area::kMtaSts, kWarning, "max_age is shorter than a day",
     "Senders forget the policy quickly, so an attacker who blocks the fetch downgrades them.",
     "RFC 8461 §3.2, §10"},
    {"mta_sts.mx_pattern_malformed", Area::kMtaSts, kWarning,
     "An mx line of the policy is not RFC 8461 syntax",
     "A trailing dot, an empty label or a * that is not the whole leftmost label: senders read "
     "such a line differently, and the strictest match no MX host with it, so under enforce "
     "they refuse delivery to hosts only it covers.",
     "RFC 8461 §3.2, §4.1"},
    {"mta_sts.mx_not_listed", Area::kMtaSts, kCritical, "An MX host is not in the policy",
     "In enforce mode senders refuse to deliver to an MX host no mx line matches.",
     "RFC 8461 §4.1, §5"},
    {"mta_sts.mx_tls_invalid", Area::kMtaSts, kCritical,
     "An MX host fails MTA-STS's TLS requirements",
     "In enforce mode senders need STARTTLS, TLS 1.2 or later and a certificate valid for the MX "
     "name under web PKI; otherwise they do not deliver.",
     "RFC 8461 §4.2, §5"},
    {"mta_sts.testing_mx_not_listed", Area::kMtaSts, kWarning,
     "An MX host is not in the testing policy",
     "In testing mode senders still deliver to an MX host no mx line matches, and report it; "
     "under enforce they would refuse it.",
     "RFC 8461 §4.1, §5"},
    {"mta_sts.testing_mx_tls_invalid", Area::kMtaSts, kWarning,
     "An MX host would fail MTA-STS's TLS requirements under enforce",
     "In testing mode senders deliver without STARTTLS, TLS 1.2 or a web-PKI certificate valid "
     "for the MX name, and report it; under enforce they would not deliver.",
     "RFC 8461 §4.2, §5"},
    {"mta_sts.dane_precedence", Area::kMtaSts, kInfo, "DANE takes precedence",
     "Senders that support DANE use it for these MX hosts instead of MTA-STS.", "RFC 8461 §2"},

    // ---- tls_rpt --------------------------------------------------------------------------------
    {"tls_rpt.none", Area::kTlsRpt, kInfo, "No TLS-RPT record",
     "Senders cannot tell the domain when TLS to its mail servers fails.", "RFC 8460 §3"},
    {"tls_rpt.missing_with_dane", Area::kTlsRpt, kWarning, "DANE or MTA-STS without TLS-RPT",
     "With DANE or MTA-STS, senders defer mail when TLS fails; TLS-RPT is how the domain learns "
     "of it.",
     "RFC 8460 §1, RFC 7672"},
    {"tls_rpt.lookup_failed", Area::kTlsRpt, kWarning, "The TLS-RPT lookup failed",
     "Senders cannot find where to report.", "RFC 8460 §3"},
    {"tls_rpt.multiple_records", Area::kTlsRpt, kCritical, "More than one TLS-RPT record",
     "Senders may ignore all of them.", "RFC 8460 §3"},
    {"tls_rpt.invalid", Area::kTlsRpt, kCritical, "The TLS-RPT record is invalid",
     "A record without v=TLSRPTv1 first or with a missing or bad rua (mailto: or https: only) "
     "gets no reports.",
     "RFC 8460 §3"},

    // ---- bimi (information only)
    // ------------------------------------------------------------------
    {"bimi.invalid", Area::kBimi, kWarning, "The BIMI record is invalid",
     "v=BIMI1 first, l= an https URI of an SVG logo, a= an https URI of a PEM certificate.",
     "draft-brand-indicators-for-message-identification §4"},
    {"bimi.no_certificate", Area::kBimi, kInfo, "No BIMI mark certificate (a=)",
     "The largest mailbox providers display logos only with a verified mark certificate.",
     "draft-brand-indicators-for-message-identification §4.2"},
    {"bimi.dmarc_not_enforcing", Area::kBimi, kWarning, "DMARC does not meet BIMI's precondition",
     "Receivers show a BIMI logo only for domains with p=quarantine or p=reject applied to all "
     "mail.",
     "draft-brand-indicators-for-message-identification §3"},
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
  return Finding{std::string(def.id), std::move(subject),        std::move(summary),
                 std::move(evidence), std::move(recommendation), {}};
}

void add_finding(AreaReport& area, std::string_view id, std::string subject, std::string summary,
                 std::vector<std::string> evidence, std::string recommendation) {
  area.findings.push_back(make_finding(id, std::move(subject), std::move(summary),
                                       std::move(evidence), std::move(recommendation)));
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
