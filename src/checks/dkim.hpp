// dkim.hpp - the dkim check: the domain's DKIM public keys and whether verifiers can use them
// (RFC 6376 §3.6, RFC 8301, RFC 8463).
//
// DNS cannot list selectors, so the check looks up the selectors given (--dkim-selector), or else
// a list of common ones (kCommonSelectors: what large mail providers and sending services use) and
// says which it tried. "No key found" is a statement about those names, never "no DKIM".
// collect_dkim(resolver, domain, selectors): TXT at <selector>._domainkey.<domain>, all at once.
// evaluate_dkim(data): PURE: each key's type and size (RSA < 1024 fail, < 2048 warn; Ed25519
//   pass), revoked keys, SHA-1-only h=, testing mode, service types, malformed records.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/domain_name.hpp"
#include "core/report_model.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

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

// non_mail_domain: the domain has a null MX (RFC 7505) and sends no mail, so no key is expected.
AreaReport evaluate_dkim(const DkimData& data, bool non_mail_domain = false);

// valid_selector - one or more DNS labels (letters, digits, '-', '_'), as a user may type them.
bool valid_selector(const std::string& selector);

}  // namespace mc::checks
