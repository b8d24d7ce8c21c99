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

KeyUse key_use(const policy::dkim::ParseResult& p) {
  const auto& k = p.key;
  if (!p.ok()) return KeyUse::kMalformed;
  if (k.revoked) return KeyUse::kRevoked;
  if (!k.sha256_allowed()) return KeyUse::kSha1Only;
  if (!k.for_email()) return KeyUse::kNotForEmail;
  if (k.type == KeyType::kRsa && k.bits < 1024) return KeyUse::kTooShort;
  return KeyUse::kUsable;
}

std::vector<DkimSelectorKeys> dkim_keys(const DkimData& data) {
  std::vector<DkimSelectorKeys> out;
  for (const auto& s : data.selectors) {
    DkimSelectorKeys sk;
    sk.answered = s.txt.is_answer();
    if (sk.answered) {
      for (const auto& rec : s.txt.records) sk.texts.push_back(rec.txt());
    }
    for (const auto& t : sk.texts) {
      auto p = policy::dkim::parse_dkim_key(t);
      if (p.is_key_record || (data.selectors_given && p.key.has_version)) {
        const KeyUse use = key_use(p);
        sk.keys.push_back({t, std::move(p), use});
      }
    }
    // Every record at the selector is a key some verifier may use: each is judged, in a stable
    // order.
    std::sort(sk.keys.begin(), sk.keys.end(),
              [](const DkimKey& a, const DkimKey& b) { return a.text < b.text; });
    out.push_back(std::move(sk));
  }
  return out;
}

namespace {

int count(const std::vector<DkimSelectorKeys>& keys, KeyUse use) {
  int n = 0;
  for (const auto& sk : keys) {
    n += static_cast<int>(std::count_if(sk.keys.begin(), sk.keys.end(),
                                        [&](const DkimKey& k) { return k.use == use; }));
  }
  return n;
}

std::vector<std::string> failed_lookups(const DkimData& data) {
  std::vector<std::string> out;
  for (const auto& s : data.selectors) {
    if (!s.txt.is_answer()) out.push_back(fmt::format("{}: {}", s.name, s.txt.describe()));
  }
  return out;
}

// ---- rules ----------------------------------------------------------------------------------

// A given selector whose TXT is no key; several key records at one selector.
void selector_records(const DkimData& data, const DkimSelectorData& s, const DkimSelectorKeys& sk,
                      Evaluation& ev) {
  if (sk.keys.empty() && data.selectors_given && !sk.texts.empty()) {
    ev.add("dkim.malformed", s.name, "the TXT record at the selector is not a DKIM key", sk.texts,
           "Publish the key record the signer documents (v=DKIM1; k=...; p=...).");
  }
  if (sk.keys.size() > 1) {
    ev.add("dkim.multiple_records", s.name,
           fmt::format("{} key records at one selector: verifiers may pick any", sk.keys.size()),
           sk.texts, "Keep exactly one record per selector; use a new selector for a new key.");
  }
}

// A key no verifier uses (§3.6.1, RFC 8301).
void unusable_key(const DkimData& data, const DkimSelectorData& s, const DkimKey& key,
                  Evaluation& ev) {
  const auto& k = key.parsed.key;
  switch (key.use) {
    case KeyUse::kMalformed: {
      std::vector<std::string> evidence{key.text};
      evidence.insert(evidence.end(), key.parsed.errors.begin(), key.parsed.errors.end());
      ev.add("dkim.malformed", s.name,
             fmt::format("selector {}: the key record is unusable: {}", s.selector,
                         key.parsed.errors.front()),
             evidence, new_key_howto(data.domain));
      break;
    }
    case KeyUse::kRevoked:
      ev.add("dkim.key_revoked", s.name,
             fmt::format("selector {} has an empty p=: the key is revoked", s.selector),
             {key.text});
      break;
    case KeyUse::kSha1Only:
      ev.add("dkim.sha1_only", s.name,
             fmt::format("selector {} allows only h={}: verifiers must not accept SHA-1 (RFC 8301)",
                         s.selector, fmt::join(k.hashes, ":")),
             {key.text}, "Remove h= (or set h=sha256) and sign with rsa-sha256.");
      break;
    case KeyUse::kNotForEmail:
      ev.add("dkim.not_for_email", s.name,
             fmt::format("selector {} is limited to s={}, not email", s.selector,
                         fmt::join(k.services, ":")),
             {key.text}, "Remove s= (default *) or include email.");
      break;
    case KeyUse::kTooShort:
      ev.add("dkim.rsa_too_short", s.name,
             fmt::format("selector {}: RSA {} bits; verifiers must reject keys under 1024 bits",
                         s.selector, k.bits),
             {key.text}, new_key_howto(data.domain));
      break;
    case KeyUse::kUsable:
      break;
  }
}

// A key verifiers use, with its weaknesses: RSA size (RFC 8301 §3.2), format, testing (§3.6.1).
void usable_key(const DkimData& data, const DkimSelectorData& s, const DkimKey& key,
                Evaluation& ev) {
  const auto& k = key.parsed.key;
  if (k.type == KeyType::kRsa) {
    if (k.bits < 2048) {
      ev.add("dkim.rsa_weak", s.name,
             fmt::format("selector {}: RSA {} bits; 2048 is the recommended minimum", s.selector,
                         k.bits),
             {key.text}, new_key_howto(data.domain));
    } else if (k.bits > 4096) {
      ev.add("dkim.rsa_huge", s.name,
             fmt::format("selector {}: RSA {} bits; verifiers need only handle up to 4096",
                         s.selector, k.bits),
             {key.text}, new_key_howto(data.domain));
    }
    if (k.format == "RSAPublicKey") {
      ev.add("dkim.rsapublickey_format", s.name,
             fmt::format("selector {}: p= is a bare RSAPublicKey, not SubjectPublicKeyInfo",
                         s.selector),
             {key.text},
             "Most signers publish SubjectPublicKeyInfo (openssl pkey -pubout -outform DER); "
             "some verifiers accept only that.");
    }
  }
  if (k.testing()) {
    ev.add("dkim.testing", s.name,
           fmt::format("selector {} has t=y: verifiers treat its signatures like unsigned mail",
                       s.selector),
           {key.text}, "Remove t=y once signing works.");
  }
}

// RFC 8463 is young: verifiers without Ed25519 see mail signed only with it as unsigned.
void ed25519_only(const DkimData& data, const std::vector<DkimSelectorKeys>& keys, Evaluation& ev) {
  int usable = 0, rsa = 0;
  for (const auto& sk : keys) {
    for (const auto& k : sk.keys) {
      if (k.use != KeyUse::kUsable) continue;
      ++usable;
      rsa += k.parsed.key.type == KeyType::kRsa;
    }
  }
  if (usable > 0 && rsa == 0) {
    ev.add("dkim.ed25519_only", data.domain,
           "only Ed25519 keys: verifiers without RFC 8463 support see unsigned mail", {},
           "Sign with an RSA-2048 key under a second selector as well.");
  }
}

bool any_unusable(const std::vector<DkimSelectorKeys>& keys, const Evaluation& ev) {
  for (const auto& sk : keys) {
    for (const auto& k : sk.keys) {
      if (k.use != KeyUse::kUsable && k.use != KeyUse::kRevoked) return true;
    }
  }
  return ev.has("dkim.malformed");
}

// No usable key and none unusable: not deployed at the names tried (or undetermined when no
// lookup answered). Revoked keys alone are a deliberate "no DKIM here".
void no_usable_key(const DkimData& data, bool non_mail, const std::vector<DkimSelectorKeys>& keys,
                   Evaluation& ev) {
  if (count(keys, KeyUse::kUsable) > 0 || any_unusable(keys, ev)) return;
  if (failed_lookups(data).size() == data.selectors.size()) {
    ev.state = AreaState::kUndetermined;
    return;
  }
  ev.state = AreaState::kNotDeployed;
  if (non_mail || count(keys, KeyUse::kRevoked) > 0) return;
  std::vector<std::string> tried;
  for (const auto& s : data.selectors) tried.push_back(s.selector);
  ev.add("dkim.none_found", data.domain,
         fmt::format("no DKIM key at the {} selector(s) tried: {}",
                     data.selectors_given ? "given" : "common", fmt::join(tried, ", ")),
         {},
         data.selectors_given
             ? "Check the selector names in the s= tag of your DKIM-Signature headers."
             : "DNS cannot list selectors: give yours with --dkim-selector (see the s= tag of a "
               "DKIM-Signature header in mail you sent). If you do not sign yet, set up DKIM "
               "signing with an RSA-2048 key.");
}

std::string key_fact(const policy::dkim::Key& k) {
  if (k.revoked) return "revoked (empty p=)";
  const char* testing = k.testing() ? ", testing" : "";
  return k.type == KeyType::kRsa ? fmt::format("RSA {} bits ({}){}", k.bits, k.format, testing)
                                 : fmt::format("Ed25519{}", testing);
}

}  // namespace

Evaluation evaluate_dkim(const DkimData& data, bool non_mail_domain) {
  Evaluation ev;
  const auto keys = dkim_keys(data);
  for (std::size_t i = 0; i < data.selectors.size(); ++i) {
    const auto& s = data.selectors[i];
    selector_records(data, s, keys[i], ev);
    for (const auto& key : keys[i].keys) {
      key.use == KeyUse::kUsable ? usable_key(data, s, key, ev) : unusable_key(data, s, key, ev);
    }
  }
  if (const auto failed = failed_lookups(data); !failed.empty()) {
    ev.add("dkim.lookup_failed", data.domain,
           fmt::format("{} selector lookup(s) failed", failed.size()), failed,
           "Make the name servers answer TXT queries under _domainkey.");
  }
  ed25519_only(data, keys, ev);
  no_usable_key(data, non_mail_domain, keys, ev);
  return ev;
}

AreaView dkim_view(const DkimData& data, bool non_mail_domain, const Evaluation& ev) {
  AreaView v;
  const auto keys = dkim_keys(data);
  nlohmann::json jkeys = nlohmann::json::array();
  std::vector<std::string> tried;
  for (std::size_t i = 0; i < data.selectors.size(); ++i) {
    const auto& s = data.selectors[i];
    tried.push_back(s.selector);
    for (const auto& key : keys[i].keys) {
      const auto& k = key.parsed.key;
      jkeys.push_back({{"selector", s.selector},
                       {"name", s.name},
                       {"record", key.text},
                       {"type", policy::dkim::to_string(k.type)},
                       {"bits", k.bits},
                       {"revoked", k.revoked},
                       {"testing", k.testing()},
                       {"errors", key.parsed.errors}});
      if (key.parsed.ok()) v.facts.push_back({s.selector, key_fact(k)});
    }
  }
  v.details = {{"domain", data.domain},
               {"selectors_given", data.selectors_given},
               {"selectors_tried", tried},
               {"keys", jkeys}};
  const int usable = count(keys, KeyUse::kUsable);
  if (ev.state == AreaState::kUndetermined) {
    v.summary = "every DKIM key lookup failed";
  } else if (ev.state == AreaState::kNotDeployed) {
    v.summary = non_mail_domain ? "no DKIM key, and none is expected: the domain sends no mail "
                                  "(null MX)"
                : count(keys, KeyUse::kRevoked) > 0
                    ? "only revoked DKIM keys found"
                    : fmt::format("no DKIM key among {} {} selector(s)", data.selectors.size(),
                                  data.selectors_given ? "given" : "common");
  } else {
    v.facts.insert(v.facts.begin(), {"selectors tried", fmt::format("{}", fmt::join(tried, ", "))});
    const Status status = status_from(ev.findings, ev.state);
    v.summary = status == Status::kFail ? "a DKIM key is unusable"
                : status == Status::kWarn
                    ? fmt::format("{} usable DKIM key(s), with weaknesses", usable)
                    : fmt::format("{} usable DKIM key(s)", usable);
  }
  return v;
}

AreaReport dkim_report(const DkimData& data, bool non_mail_domain) {
  const Evaluation ev = evaluate_dkim(data, non_mail_domain);
  return area_report(Area::kDkim, ev, dkim_view(data, non_mail_domain, ev), data.elapsed_ms);
}

}  // namespace mc::checks
