// rollover_cmd.cpp - see rollover_cmd.hpp. The logic lives in tools/rollover and audit; this file
// only reads options, calls them and prints.
#include "rollover_cmd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "core/domain_name.hpp"
#include "tools/rollover.hpp"
#include "tools/tlsa_gen.hpp"

namespace cli {
namespace {

struct Published {
  std::vector<mc::policy::TlsaRecord> records;
  std::uint32_t ttl = 0;
  std::vector<std::string> live_chain;
  mc::checks::TlsaState state = mc::checks::TlsaState::kAbsent;
  std::string reason;
};

// published - the validated TLSA RRset of the host and the chain it presents now.
mc::Result<Published> published(const RolloverCli& r) {
  auto o = host_options(r.host, r.port, r.starttls, r.common);
  if (!o) return tl::unexpected(o.error());
  auto inspected = mc::audit::inspect_host(*o);
  if (!inspected) return tl::unexpected(inspected.error());
  const auto& h = inspected->transport.hosts.front();
  Published p;
  p.state = h.tlsa.state;
  p.reason = h.tlsa.reason;
  for (const auto& e : h.tlsa.entries) {
    if (e.usable()) p.records.push_back(*e.record);
  }
  if (h.tlsa.answer) {
    // The zone's TTL (from the RRSIG) when known; a cache's countdown only as a fallback.
    p.ttl = h.tlsa.answer->original_ttl ? h.tlsa.answer->original_ttl : h.tlsa.answer->min_ttl();
  }
  for (const auto& probe : h.probes) {
    if (probe.tls && !probe.tls->chain_der.empty()) {
      p.live_chain = probe.tls->chain_der;
      break;
    }
  }
  return p;
}

std::string key_of(const RolloverCli& r) { return fmt::format("{}:{}", r.host, r.port); }

mc::Result<std::int64_t> parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return mc::make_error(mc::ErrorKind::kInvalidInput,
                          fmt::format("--published-at '{}': give seconds since the epoch or "
                                      "YYYY-MM-DDTHH:MM:SSZ",
                                      text));
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

int run_status(const RolloverCli& r, const std::string& owner) {
  auto p = published(r);
  if (!p) return usage_error(p.error().message);
  const std::int64_t now = std::time(nullptr);
  auto state = mc::tools::SeenState::load(r.state_file);
  if (!state) return usage_error(state.error().message);
  const auto seen = state->observe(key_of(r), p->records, now);
  if (auto saved = state->save(); !saved) return usage_error(saved.error().message);
  const mc::tools::TlsaInput live{p->live_chain, {}};
  nlohmann::json j;
  j["host"] = r.host;
  j["tlsa_state"] = mc::checks::to_string(p->state);
  j["ttl"] = p->ttl;
  j["records"] = nlohmann::json::array();
  int current = 0, unmatched = 0;
  std::string text =
      fmt::format("TLSA {} ({}; TTL {} s)\n", owner, mc::checks::to_string(p->state), p->ttl);
  for (const auto& rec : p->records) {
    const bool matches = !live.chain_der.empty() && mc::tools::record_matches(rec, live);
    (matches ? current : unmatched)++;
    const std::string role = matches ? "current" : "matches nothing live (stale, or a next key)";
    j["records"].push_back({{"record", rec.text()},
                            {"name", rec.mnemonic()},
                            {"matches_live_chain", matches},
                            {"first_seen", seen.at(rec.text())}});
    text += fmt::format("  {}  {}  [{}]\n", rec.text(), rec.mnemonic(), role);
  }
  const bool ta = std::any_of(p->records.begin(), p->records.end(),
                              [](const auto& rec) { return rec.usage == 2; });
  const bool ready = current > 0 && (unmatched > 0 || ta);
  j["next_prepublished"] = unmatched > 0;
  j["rollover_ready"] = ready;
  text += ready ? "Rollover-ready: a next key or an issuer (2 x x) record is published.\n"
                : "Not rollover-ready: publish the next key's record (mailcheck rollover next-key) "
                  "or a 2 1 1 record for the issuer before the next certificate change.\n";
  text += fmt::format("A change to the TLSA RRset reaches every cache after {} s.\n", p->ttl);
  return write_all(r.common.format == "json" ? j.dump(2) + "\n" : text);
}

int run_check(const RolloverCli& r, const std::string& owner) {
  auto next = mc::tools::load_tlsa_input(r.cert);
  if (!next) return usage_error(next.error().message);
  if (next->chain_der.empty()) return usage_error("--cert must be a certificate, not a key");
  std::optional<std::int64_t> published_at;
  if (!r.published_at.empty()) {
    auto t = parse_time(r.published_at);
    if (!t) return usage_error(t.error().message);
    published_at = *t;
  }
  auto p = published(r);
  if (!p) return usage_error(p.error().message);
  using mc::checks::TlsaState;
  if (p->state == TlsaState::kFailed || p->state == TlsaState::kHostFailed) {
    // Whether TLSA records exist cannot be known: never call the change safe.
    std::fprintf(stderr, "UNSAFE: the %s lookup failed (%s); keep the current certificate\n",
                 p->state == TlsaState::kFailed ? "TLSA" : "address", p->reason.c_str());
    return 1;
  }
  if (p->state != TlsaState::kUsable) {
    return write_all(
        fmt::format("SAFE: DANE does not protect {} ({}), so changing the "
                    "certificate cannot break DANE delivery\n",
                    r.host, p->reason));
  }
  const std::int64_t now = std::time(nullptr);
  auto state = mc::tools::SeenState::load(r.state_file);
  if (!state) return usage_error(state.error().message);
  auto seen = state->observe(key_of(r), p->records, now);
  if (auto saved = state->save(); !saved) return usage_error(saved.error().message);
  if (published_at) {
    for (auto& [text, when] : seen) when = std::min(when, *published_at);
  }
  const auto v = mc::tools::deploy_verdict(p->records, *next, p->ttl, seen, now);
  if (v.safe) return write_all("SAFE: " + v.reason + "\n");
  std::string out = "UNSAFE: " + v.reason + "\n";
  if (v.wait_seconds > 0) {
    out += fmt::format(
        "Run this check again in {} s (or give --published-at if you know when the "
        "record was published).\n",
        v.wait_seconds);
  }
  for (const auto& rec : v.to_publish) {
    out += fmt::format("publish: {} {} IN TLSA {}\n", owner, p->ttl ? p->ttl : 3600, rec.text());
  }
  std::fputs(out.c_str(), stderr);
  return 1;
}

int run_next_key(const RolloverCli& r, const std::string& owner) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      r.key_type == "rsa-2048" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) return usage_error("could not generate a key");
  // O_EXCL: never overwrite a key; 0600: the key is secret.
  const int fd = ::open(r.out.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return usage_error(
        fmt::format("cannot create '{}' (it must not exist yet): {}", r.out, std::strerror(errno)));
  }
  FILE* f = ::fdopen(fd, "w");
  const bool ok = f != nullptr &&
                  PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (f != nullptr) std::fclose(f);
  if (!ok) {
    ::unlink(r.out.c_str());
    return usage_error(fmt::format("could not write the key to '{}'", r.out));
  }
  auto input = mc::tools::load_tlsa_input(r.out);
  if (!input) return usage_error(input.error().message);
  auto rec = mc::tools::make_tlsa(*input, {3, 1, 1});
  if (!rec) return usage_error(rec.error().message);
  return write_all(fmt::format(
      "{0} 3600 IN TLSA {1}\n"
      "Publish this record now, next to the current one. Request the next certificate with "
      "this key, e.g.\n"
      "  openssl req -new -key {2} -subj /CN={3} -addext subjectAltName=DNS:{3} -out next.csr\n"
      "  certbot certonly --csr next.csr ...\n"
      "or point certbot at it and keep it across renewals (--reuse-key).\n",
      owner, rec->text(), r.out, r.name.empty() ? r.host : r.name));
}

int run_plan(const RolloverCli& r, const std::string& owner) {
  auto current = mc::tools::load_tlsa_input(r.current);
  if (!current) return usage_error("--current: " + current.error().message);
  auto next = mc::tools::load_tlsa_input(r.next);
  if (!next) return usage_error("--next: " + next.error().message);
  auto p = published(r);
  if (!p) return usage_error(p.error().message);
  const std::uint32_t ttl = p->ttl ? p->ttl : 3600;
  auto cur = mc::tools::make_tlsa(*current, {3, 1, 1});
  auto nxt = mc::tools::make_tlsa(*next, {3, 1, 1});
  if (!cur || !nxt) return usage_error("cannot make 3 1 1 records from --current/--next");
  auto is_published = [&](const mc::policy::TlsaRecord& rec) {
    return std::any_of(p->records.begin(), p->records.end(),
                       [&](const auto& x) { return x.text() == rec.text(); });
  };
  std::string out = fmt::format("Key rollover for {} (TLSA TTL {} s)\n\n", owner, ttl);
  out += fmt::format(
      "1. Publish the next key's record beside the current one{}:\n"
      "   {} {} IN TLSA {}\n",
      is_published(*nxt) ? " (already published)" : "", owner, ttl, nxt->text());
  out += fmt::format("   keep: {} {} IN TLSA {}{}\n", owner, ttl, cur->text(),
                     is_published(*cur) ? "" : "   (NOT published now: publish it too)");
  out += fmt::format(
      "2. Wait at least {} s, until every cache holds both records. This tells you when:\n"
      "   mailcheck rollover check --host {} --cert NEXT.pem\n",
      ttl, r.host);
  out +=
      "3. Deploy the certificate for the next key on every server behind this name (e.g. a "
      "certbot deploy hook that runs step 2's check first).\n";
  out += fmt::format("4. Confirm: mailcheck dane {} (every address must authenticate).\n", r.host);
  out += fmt::format(
      "5. Retire the old record (no server presents it any more):\n"
      "   {} {} IN TLSA {}\n"
      "   and pre-publish the key after next (mailcheck rollover next-key) to stay "
      "rollover-ready.\n",
      owner, ttl, cur->text());
  return write_all(out);
}

}  // namespace

void add_rollover(CLI::App& app, RolloverCli& r) {
  r.root = app.add_subcommand("rollover", "Safe TLSA key rollover: status, check, next-key");
  r.root->require_subcommand(1);
  r.status = r.root->add_subcommand(
      "status", "Published TLSA records against the live chain, and the TTL to wait out");
  r.check = r.root->add_subcommand(
      "check", "Exit 0 only if deploying the new certificate now is safe (a renewal hook)");
  r.next_key = r.root->add_subcommand(
      "next-key", "Generate the next private key and print its TLSA record to pre-publish");
  r.plan = r.root->add_subcommand(
      "plan", "The exact steps and records to move from the current key to the next");
  for (auto* sub : {r.status, r.check, r.plan}) {
    sub->add_option("--host", r.host, "The host whose TLSA records to use")->required();
    sub->add_option("--port", r.port, "Service port")
        ->check(CLI::Range(1u, 65535u))
        ->capture_default_str();
    sub->add_option("--starttls", r.starttls, "smtp or none")
        ->check(CLI::IsMember({"smtp", "none"}))
        ->capture_default_str();
    sub->add_option("--state", r.state_file,
                    "File of first-seen times of records (default: ~/.local/state/mailcheck/"
                    "tlsa-seen.json)");
    sub->add_option("--resolver", r.common.resolvers, "As for check");
    sub->add_option("--trust-anchor", r.common.trust_anchor, "As for check");
    sub->add_option("--timeout", r.common.timeout_s, "Upper bound, in seconds");
  }
  r.status->add_option("--format", r.common.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  r.check->add_option("--cert", r.cert, "The new certificate (or chain)")->required();
  r.check->add_option("--published-at", r.published_at,
                      "When the matching record was published (epoch seconds or "
                      "YYYY-MM-DDTHH:MM:SSZ), if earlier than this tool first saw it");
  r.plan->add_option("--current", r.current, "The certificate (or key) in use now")->required();
  r.plan->add_option("--next", r.next, "The next certificate, or its key")->required();
  r.next_key->add_option("--out", r.out, "Where to write the new private key (must not exist)")
      ->required();
  r.next_key->add_option("--type", r.key_type, "Key type")
      ->check(CLI::IsMember({"ec-p256", "rsa-2048"}))
      ->capture_default_str();
  r.next_key->add_option("--name", r.name, "Host name for the TLSA owner")->required();
  r.next_key->add_option("--port", r.port, "Service port")->capture_default_str();
}

int run_rollover(const RolloverCli& in) {
  RolloverCli r = in;
  if (r.state_file.empty()) r.state_file = mc::tools::default_state_path();
  const std::string host = r.next_key->parsed() ? r.name : r.host;
  auto name = mc::DomainName::parse(host);
  if (!name) return usage_error(name.error().message);
  r.host = r.next_key->parsed() ? r.host : name->str();
  const std::string owner =
      mc::tools::tlsa_owner(name->str(), static_cast<std::uint16_t>(r.port), "tcp");
  if (r.next_key->parsed()) return run_next_key(r, owner);
  if (std::string bad = validate_common(r.common); !bad.empty()) return usage_error(bad);
  if (r.status->parsed()) return run_status(r, owner);
  if (r.plan->parsed()) return run_plan(r, owner);
  return run_check(r, owner);
}

}  // namespace cli
