// dkim.hpp - the dkim check: the domain's DKIM public keys and whether verifiers can use them
// (RFC 6376 §3.6, RFC 8301, RFC 8463).
//
// DNS cannot list selectors, so the check looks up the selectors given (--dkim-selector), or else
// a list of common ones (kCommonSelectors: what large mail providers and sending services use) and
// says which it tried. "No key found" is a statement about those names, never "no DKIM".
// collect_dkim(resolver, domain, selectors): I/O: TXT at <selector>._domainkey.<domain>, at once.
// dkim_keys(data): PURE: the key records at each selector, parsed and classified.
// evaluate_dkim(data, non_mail): PURE: state and findings: each key's type and size (RSA < 1024
//   fail, < 2048 warn; Ed25519 pass), revoked keys, SHA-1-only h=, testing mode, service types,
//   malformed records.
// dkim_view(data, non_mail, evaluation): rendering. dkim_report: the three together.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/evaluation.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"
#include "policy/dkim.hpp"

namespace mc::checks {

inline const std::vector<std::string> kCommonSelectors = {
    "default", "dkim",      "mail", "google", "selector1", "selector2", "k1",       "k2",
    "s1",      "s2",        "smtp", "mx",     "key1",      "dkim1",     "mandrill", "everlytickey1",
    "fm1",     "protonmail"};

struct DkimSelectorData {
  std::string selector;
  std::string name;  // <selector>._domainkey.<domain>
  dns::Answer txt;
};

struct DkimData {
  std::string domain;
  bool selectors_given = false;  // from the command line, not guessed
  std::vector<DkimSelectorData> selectors;
  double elapsed_ms = 0;
};

boost::asio::awaitable<DkimData> collect_dkim(dns::Resolver& resolver, const DomainName& domain,
                                              std::vector<std::string> selectors,
                                              std::chrono::steady_clock::time_point audit_start);

// KeyUse - what a verifier can do with one key record.
enum class KeyUse {
  kMalformed,    // the record does not parse into a key (§3.6.1)
  kRevoked,      // empty p= (§3.6.1)
  kSha1Only,     // h= allows only SHA-1, which verifiers must not accept (RFC 8301 §3.1)
  kNotForEmail,  // s= excludes email (§3.6.1)
  kTooShort,     // RSA under 1024 bits: verifiers must reject it (RFC 8301 §3.2)
  kUsable,
};
KeyUse key_use(const policy::dkim::ParseResult& key);

struct DkimKey {
  std::string text;  // the record as published
  policy::dkim::ParseResult parsed;
  KeyUse use = KeyUse::kMalformed;
};

// DkimSelectorKeys - what one selector's answer holds, beside data.selectors.
struct DkimSelectorKeys {
  bool answered = false;           // the lookup got an answer (records or none)
  std::vector<std::string> texts;  // every TXT record's text
  // The key records, sorted by text. A TXT without p= is other text (e.g. a wildcard covering
  // _domainkey, §6.1.2), not a key, unless the selector was given and the text says v=DKIM1.
  std::vector<DkimKey> keys;
};
std::vector<DkimSelectorKeys> dkim_keys(const DkimData& data);

// non_mail_domain: the domain has a null MX (RFC 7505) and sends no mail, so no key is expected.
Evaluation evaluate_dkim(const DkimData& data, bool non_mail_domain = false);
AreaView dkim_view(const DkimData& data, bool non_mail_domain, const Evaluation& evaluation);
AreaReport dkim_report(const DkimData& data, bool non_mail_domain = false);

// valid_selector - one or more DNS labels (letters, digits, '-', '_'), as a user may type them.
bool valid_selector(const std::string& selector);

}  // namespace mc::checks
