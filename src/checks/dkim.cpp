// dkim.cpp - see dkim.hpp. Section numbers are RFC 6376 unless marked.
#include "checks/dkim.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "checks/spf.hpp"
#include "core/clock.hpp"
#include "core/findings.hpp"
#include "core/parallel.hpp"
#include "policy/dkim.hpp"

namespace mc::checks {
namespace {

namespace asio = boost::asio;
using dns::Answer;
using dns::Outcome;
using policy::dkim::KeyType;

// new_key_howto - the commands and record for replacing a key of domain.
std::string new_key_howto(const std::string& domain) {
  return fmt::format(
      "Generate a new key and publish it under a new selector, then switch the signer to it:\n"
      "  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim-2048.key\n"
      "  openssl pkey -in dkim-2048.key -pubout -outform DER | base64 -w0   # the p= value\n"
      "and publish NEWSELECTOR._domainkey.{0}. IN TXT \"v=DKIM1; k=rsa; p=<that value>\" (split "
      "into strings of at most 255 characters). Keep the old selector until no mail signed with it "
      "is in transit.",
      domain);
}

}  // namespace

bool valid_selector(const std::string& s) {
  if (s.empty() || s.size() > 200 || s.front() == '.' || s.back() == '.') return false;
  std::size_t run = 0;
  for (char c : s) {
    if (c == '.') {
      if (run == 0) return false;
      run = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++run > 63) return false;
  }
  return true;
}

asio::awaitable<DkimData> collect_dkim(dns::Resolver& resolver, const DomainName& domain,
                                       std::vector<std::string> selectors,
                                       std::chrono::steady_clock::time_point audit_start) {
  DkimData d;
  d.domain = domain.str();
  d.selectors_given = !selectors.empty();
  if (selectors.empty()) selectors = kCommonSelectors;
  std::vector<asio::awaitable<Answer>> lookups;
  for (const auto& s : selectors) {
    DkimSelectorData sd;
    sd.selector = s;
    sd.name = fmt::format("{}._domainkey.{}", s, d.domain);  // dots in s are label boundaries
    lookups.push_back(resolver.query(sd.name, dns::rrtype::kTxt));
    d.selectors.push_back(std::move(sd));
  }
  auto answers = co_await when_all(std::move(lookups));
  for (std::size_t i = 0; i < answers.size(); ++i) d.selectors[i].txt = std::move(answers[i]);
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

AreaReport evaluate_dkim(const DkimData& data, bool non_mail_domain) {
  AreaReport r;
  r.area = Area::kDkim;
  r.elapsed_ms = data.elapsed_ms;
  const std::string& d = data.domain;
  nlohmann::json keys = nlohmann::json::array();
  std::vector<std::string> tried, failed_lookups;
  int usable = 0, revoked = 0, rsa_usable = 0;
  bool failed = false, warned = false;
  for (const auto& s : data.selectors) {
    tried.push_back(s.selector);
    if (!s.txt.is_answer()) {
      failed_lookups.push_back(fmt::format("{}: {}", s.name, s.txt.describe()));
      continue;
    }
    std::vector<std::string> texts;
    for (const auto& rec : s.txt.records) texts.push_back(rec.txt());
    // A TXT without p= is other text (e.g. a wildcard covering _domainkey, §6.1.2): not a key.
    std::vector<std::pair<std::string, policy::dkim::ParseResult>> parsed;
    for (const auto& t : texts) {
      auto p = policy::dkim::parse_dkim_key(t);
      if (p.is_key_record || (data.selectors_given && p.key.has_version)) {
        parsed.emplace_back(t, std::move(p));
      }
    }
    if (parsed.empty()) {
      if (data.selectors_given && !texts.empty()) {
        failed = true;
        add_finding(r, "dkim.malformed", s.name, "the TXT record at the selector is not a DKIM key",
                    texts, "Publish the key record the signer documents (v=DKIM1; k=...; p=...).");
      }
      continue;
    }
    if (parsed.size() > 1) {
      warned = true;
      add_finding(
          r, "dkim.multiple_records", s.name,
          fmt::format("{} key records at one selector: verifiers may pick any", parsed.size()),
          texts, "Keep exactly one record per selector; use a new selector for a new key.");
    }
    // Every record at the selector is a key some verifier may use: judge each (in a stable order).
    std::sort(parsed.begin(), parsed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [text, p] : parsed) {
      const auto& k = p.key;
      nlohmann::json jk{{"selector", s.selector}, {"name", s.name},
                        {"record", text},         {"type", policy::dkim::to_string(k.type)},
                        {"bits", k.bits},         {"revoked", k.revoked},
                        {"testing", k.testing()}, {"errors", p.errors}};
      keys.push_back(jk);
      if (!p.ok()) {
        failed = true;
        std::vector<std::string> ev{text};
        for (const auto& e : p.errors) ev.push_back(e);
        add_finding(r, "dkim.malformed", s.name,
                    fmt::format("selector {}: the key record is unusable: {}", s.selector,
                                p.errors.front()),
                    ev, new_key_howto(d));
        continue;
      }
      if (k.revoked) {
        ++revoked;
        add_finding(r, "dkim.key_revoked", s.name,
                    fmt::format("selector {} has an empty p=: the key is revoked", s.selector),
                    {text});
        r.facts.push_back({s.selector, "revoked (empty p=)"});
        continue;
      }
      r.facts.push_back(
          {s.selector,
           k.type == KeyType::kRsa
               ? fmt::format("RSA {} bits ({}){}", k.bits, k.format, k.testing() ? ", testing" : "")
               : fmt::format("Ed25519{}", k.testing() ? ", testing" : "")});
      if (!k.sha256_allowed()) {
        failed = true;
        add_finding(
            r, "dkim.sha1_only", s.name,
            fmt::format("selector {} allows only h={}: verifiers must not accept SHA-1 (RFC 8301)",
                        s.selector, fmt::join(k.hashes, ":")),
            {text}, "Remove h= (or set h=sha256) and sign with rsa-sha256.");
        continue;
      }
      if (!k.for_email()) {
        failed = true;
        add_finding(r, "dkim.not_for_email", s.name,
                    fmt::format("selector {} is limited to s={}, not email", s.selector,
                                fmt::join(k.services, ":")),
                    {text}, "Remove s= (default *) or include email.");
        continue;
      }
      if (k.type == KeyType::kRsa) {
        if (k.bits < 1024) {
          failed = true;
          add_finding(
              r, "dkim.rsa_too_short", s.name,
              fmt::format("selector {}: RSA {} bits; verifiers must reject keys under 1024 bits",
                          s.selector, k.bits),
              {text}, new_key_howto(d));
          continue;
        }
        if (k.bits < 2048) {
          warned = true;
          add_finding(r, "dkim.rsa_weak", s.name,
                      fmt::format("selector {}: RSA {} bits; 2048 is the recommended minimum",
                                  s.selector, k.bits),
                      {text}, new_key_howto(d));
        } else if (k.bits > 4096) {
          warned = true;
          add_finding(r, "dkim.rsa_huge", s.name,
                      fmt::format("selector {}: RSA {} bits; verifiers need only handle up to 4096",
                                  s.selector, k.bits),
                      {text}, new_key_howto(d));
        }
        if (k.format == "RSAPublicKey") {
          add_finding(
              r, "dkim.rsapublickey_format", s.name,
              fmt::format("selector {}: p= is a bare RSAPublicKey, not SubjectPublicKeyInfo",
                          s.selector),
              {text},
              "Most signers publish SubjectPublicKeyInfo (openssl pkey -pubout -outform DER); some "
              "verifiers accept only that.");
        }
        ++rsa_usable;
      }
      if (k.testing()) {
        warned = true;
        add_finding(
            r, "dkim.testing", s.name,
            fmt::format("selector {} has t=y: verifiers treat its signatures like unsigned mail",
                        s.selector),
            {text}, "Remove t=y once signing works.");
      }
      ++usable;
    }
  }
  if (!failed_lookups.empty()) {
    warned = true;
    add_finding(r, "dkim.lookup_failed", d,
                fmt::format("{} selector lookup(s) failed", failed_lookups.size()), failed_lookups,
                "Make the name servers answer TXT queries under _domainkey.");
  }
  if (usable > 0 && rsa_usable == 0) {
    add_finding(r, "dkim.ed25519_only", d,
                "only Ed25519 keys: verifiers without RFC 8463 support see unsigned mail", {},
                "Sign with an RSA-2048 key under a second selector as well.");
  }
  nlohmann::json details{{"domain", d},
                         {"selectors_given", data.selectors_given},
                         {"selectors_tried", tried},
                         {"keys", keys}};
  r.details = details;
  const std::string tried_text = fmt::format("{}", fmt::join(tried, ", "));
  if (usable == 0 && !failed) {
    if (failed_lookups.size() == data.selectors.size()) {
      r.status = Status::kError;
      r.summary = "every DKIM key lookup failed";
      return r;
    }
    r.status = Status::kNone;
    r.summary = revoked > 0
                    ? "only revoked DKIM keys found"
                    : fmt::format("no DKIM key among {} {} selector(s)", data.selectors.size(),
                                  data.selectors_given ? "given" : "common");
    if (non_mail_domain) {
      r.summary = "no DKIM key, and none is expected: the domain sends no mail (null MX)";
    } else if (revoked == 0) {
      add_finding(
          r, "dkim.none_found", d,
          fmt::format("no DKIM key at the {} selector(s) tried: {}",
                      data.selectors_given ? "given" : "common", tried_text),
          {},
          data.selectors_given
              ? "Check the selector names in the s= tag of your DKIM-Signature headers."
              : "DNS cannot list selectors: give yours with --dkim-selector (see the s= tag of a "
                "DKIM-Signature header in mail you sent). If you do not sign yet, set up DKIM "
                "signing with an RSA-2048 key.");
    }
    return r;
  }
  r.facts.insert(r.facts.begin(), {"selectors tried", tried_text});
  r.status = failed ? Status::kFail : warned ? Status::kWarn : Status::kPass;
  r.summary = failed   ? "a DKIM key is unusable"
              : warned ? fmt::format("{} usable DKIM key(s), with weaknesses", usable)
                       : fmt::format("{} usable DKIM key(s)", usable);
  return r;
}

}  // namespace mc::checks
