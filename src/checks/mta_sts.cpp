// mta_sts.cpp - see mta_sts.hpp. Section numbers are RFC 8461.
#include "checks/mta_sts.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "checks/spf.hpp"
#include "core/address_class.hpp"
#include "core/clock.hpp"
#include "core/findings.hpp"
#include "policy/mta_sts.hpp"
#include "policy/text.hpp"
#include "tls/certificate.hpp"

namespace mc::checks {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using policy::mta_sts::Mode;

// tls_version_ok - TLS 1.2 or later (§4.2 via §3.3's requirement on senders).
bool tls_version_ok(int version) { return version >= TLS1_2_VERSION; }

// starter - the records and the policy file to publish, with the domain's real MX names.
std::string starter(const std::string& d, const MxData& mx, std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  char id[32];
  std::strftime(id, sizeof id, "%Y%m%d%H%M%S", &tm);
  std::string policy = "version: STSv1\nmode: testing\n";
  for (const auto& h : mx.hosts) policy += "mx: " + h.name + "\n";
  if (mx.hosts.empty()) policy += "mx: mail." + d + "\n";
  policy += "max_age: 604800\n";
  return fmt::format(
      "{}\nserve this file as https://mta-sts.{}/.well-known/mta-sts.txt (Content-Type: "
      "text/plain, a certificate valid for mta-sts.{}):\n{}and pair it with TLS-RPT:\n{}\n"
      "Move to mode: enforce once the TLS reports are clean; change id whenever the policy "
      "changes.",
      txt_record("_mta-sts." + d, fmt::format("v=STSv1; id={}", id)), d, d, policy,
      txt_record("_smtp._tls." + d, fmt::format("v=TLSRPTv1; rua=mailto:tls-reports@{}", d)));
}

}  // namespace

asio::awaitable<MtaStsData> collect_mta_sts(dns::Resolver& resolver, const DomainName& domain,
                                            MtaStsOptions options,
                                            std::chrono::steady_clock::time_point audit_start) {
  MtaStsData d;
  d.domain = domain.str();
  d.policy_host = "mta-sts." + d.domain;
  auto [txt, a, aaaa] = co_await (resolver.query("_mta-sts." + d.domain, dns::rrtype::kTxt) &&
                                  resolver.query(d.policy_host, dns::rrtype::kA) &&
                                  resolver.query(d.policy_host, dns::rrtype::kAaaa));
  d.txt = std::move(txt);
  d.a = std::move(a);
  d.aaaa = std::move(aaaa);
  // Like a sender's HTTPS client: the first address that answers (IPv4 first).
  std::vector<std::string> addrs = d.a.addresses();
  for (auto& x : d.aaaa.addresses()) addrs.push_back(std::move(x));
  for (const auto& addr : addrs) {
    const auto left = options.deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) break;
    net::HttpsRequest req;
    req.host = d.policy_host;
    req.address = addr;
    if (options.public_only && !is_public(addr)) {
      net::HttpsResponse blocked;
      blocked.request = std::move(req);
      blocked.failure =
          net::FetchFailure{net::FetchStep::kConnect, "blocked",
                            fmt::format("{} is a {} address, not a public one; not connected", addr,
                                        to_string(classify_address(addr)))};
      d.fetch = std::move(blocked);
      continue;  // a later address may be public
    }
    req.path = "/.well-known/mta-sts.txt";
    req.timeouts = options.timeouts;
    req.timeouts.overall = options.deadline;  // every step ends by the audit's deadline
    net::HttpsResponse resp = co_await net::fetch_https(std::move(req));
    const bool connected = resp.connected;
    d.fetch = std::move(resp);
    if (connected) break;
  }
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

std::vector<std::string> MtaStsData::records() const {
  std::vector<std::string> out;
  for (const auto& rec : txt.records) {
    // §3.1: records that do not begin with v=STSv1; are discarded.
    if (policy::mta_sts::is_sts_record(rec.txt())) out.push_back(rec.txt());
  }
  return out;
}

namespace {

// fetch_problem - why a sender ends up with "no policy" after fetching it (§3.3), in the order
// a sender meets the problems; sets f.id, f.problem, f.evidence, or parses the policy.
void judge_fetch(const MtaStsData& data, const std::string& ca_file, std::time_t now,
                 PolicyFetch& out) {
  if (!data.fetch) {
    out.id = "mta_sts.policy_unreachable";
    out.problem = fmt::format("{} has no address ({})", data.policy_host, data.a.describe());
    return;
  }
  const auto& f = *data.fetch;
  const auto pkix = f.chain_der.empty()
                        ? tls::PkixVerdict{}
                        : tls::verify_pkix(f.chain_der, data.policy_host, ca_file, now);
  const std::string media =
      policy::text::to_lower(f.content_type.substr(0, f.content_type.find(';')));
  if (f.failure && f.failure->kind == "blocked") {
    out.id = "mta_sts.policy_host_not_public";
    out.problem = fmt::format("{}: {}", data.policy_host, f.failure->detail);
  } else if (f.failure && f.failure->step != net::FetchStep::kResponse) {
    out.id = "mta_sts.policy_unreachable";
    out.problem = fmt::format("{} [{}]: {} failed ({}: {})", data.policy_host, f.request.address,
                              net::to_string(f.failure->step), f.failure->kind, f.failure->detail);
  } else if (!pkix.valid) {
    out.id = "mta_sts.policy_cert_invalid";
    out.problem = fmt::format("the certificate of {} is not valid for it under web PKI: {}",
                              data.policy_host, pkix.error);
  } else if (f.failure && f.failure->kind == "too_large") {
    out.id = "mta_sts.policy_too_large";
    out.problem = fmt::format("the policy is larger than {} octets", f.request.max_body);
  } else if (f.failure) {
    out.id = "mta_sts.policy_unreachable";
    out.problem =
        fmt::format("reading the policy failed ({}: {})", f.failure->kind, f.failure->detail);
  } else if (f.status >= 300 && f.status < 400) {
    out.id = "mta_sts.policy_redirect";
    out.problem = fmt::format("HTTP {} redirect to '{}': senders must not follow it (§3.3)",
                              f.status, f.location);
  } else if (f.status != 200) {
    out.id = "mta_sts.policy_http_status";
    out.problem = fmt::format("HTTP status {} instead of 200", f.status);
  } else if (media != "text/plain") {
    out.id = "mta_sts.policy_media_type";
    out.problem = fmt::format("Content-Type '{}' instead of text/plain (§3.3)", f.content_type);
  } else {
    out.parsed = policy::mta_sts::parse_policy(f.body);
    if (out.parsed->ok()) return;
    out.id = "mta_sts.policy_invalid";
    out.problem = "the policy is invalid: " + out.parsed->errors.front().message;
    for (const auto& e : out.parsed->errors) {
      out.evidence.push_back(e.line ? fmt::format("line {}: {}", e.line, e.message) : e.message);
    }
  }
}

// §4, §5: what a sender concludes for each MX host: listed, and each address's TLS.
std::vector<StsHost> judge_hosts(const policy::mta_sts::Policy& p, const MxData& mx,
                                 const TransportData& transport, const std::string& ca_file,
                                 std::time_t now) {
  std::vector<StsHost> out;
  for (const auto& h : mx.hosts) {
    StsHost sh{h.name, false, false, {}};
    sh.listed = std::any_of(p.mx.begin(), p.mx.end(), [&](const std::string& pattern) {
      return policy::mta_sts::mx_matches(pattern, h.name);
    });
    const HostTransport* t = nullptr;
    for (const auto& ht : transport.hosts) {
      if (ht.host == h.name) t = &ht;
    }
    sh.dane = t && t->tlsa.state == TlsaState::kUsable;
    if (sh.listed && t) {
      for (const auto& probe : t->probes) {
        std::string why;
        if (!probe.tls) {
          why = probe.failure ? fmt::format("no TLS ({}: {})", net::to_string(probe.failure->step),
                                            probe.failure->detail)
                              : "no TLS";
        } else if (!tls_version_ok(probe.tls->version)) {
          why = fmt::format("{} is older than TLS 1.2", net::protocol_name(probe.tls->version));
        } else {
          const auto v = tls::verify_pkix(probe.tls->chain_der, h.name, ca_file, now);
          if (!v.valid) why = "certificate not valid for " + h.name + ": " + v.error;
        }
        sh.addresses.push_back({probe.target.address, why});
      }
    }
    out.push_back(std::move(sh));
  }
  return out;
}

}  // namespace

MtaStsInput mta_sts_input(const MtaStsData& data, const MxData& mx, const TransportData& transport,
                          const std::string& ca_file, std::time_t now) {
  MtaStsInput in{data, mx, now, data.records(), {}, {}};
  // The policy as a sender would fetch it (only when there is a TXT record, a sender would).
  if (data.txt.is_answer()) judge_fetch(data, ca_file, now, in.fetch);
  if (in.fetch.usable())
    in.hosts = judge_hosts(in.fetch.parsed->policy, mx, transport, ca_file, now);
  return in;
}

namespace {

std::string txt_owner(const MtaStsData& data) { return "_mta-sts." + data.domain; }
std::string policy_url(const MtaStsData& data) {
  return fmt::format("https://{}/.well-known/mta-sts.txt", data.policy_host);
}
bool null_mx(const MxData& mx) {
  return mx.hosts.empty() && mx.entries.size() == 1 && mx.entries.front().exchange == ".";
}

// ---- rules: each returns true when it decided the area --------------------------------------

bool lookup_failed(const MtaStsInput& in, Evaluation& ev) {
  if (in.data.txt.is_answer()) return false;
  ev.state = AreaState::kUndetermined;
  ev.add("mta_sts.lookup_failed", txt_owner(in.data),
         fmt::format("the lookup of {} failed: {}", txt_owner(in.data), in.data.txt.describe()),
         in.data.txt.evidence_lines());
  return true;
}

// §3.1: without the TXT record senders never fetch the policy.
bool no_record(const MtaStsInput& in, Evaluation& ev) {
  if (!in.records.empty()) return false;
  ev.state = AreaState::kNotDeployed;
  const auto& d = in.data.domain;
  if (in.fetch.usable()) {
    ev.add("mta_sts.txt_missing", d,
           fmt::format("{} serves a policy, but there is no {} record, so senders never fetch it",
                       policy_url(in.data), txt_owner(in.data)),
           in.data.txt.evidence_lines(),
           "Publish:\n" + txt_record(txt_owner(in.data), "v=STSv1; id=" + std::to_string(in.now)));
  } else if (!null_mx(in.mx)) {
    ev.add("mta_sts.none", d, "no MTA-STS policy: senders without DANE deliver without checks", {},
           "Publish:\n" + starter(d, in.mx, in.now));
  }
  return true;
}

// §3.1: exactly one valid v=STSv1 record, or senders assume there is no policy.
bool bad_record(const MtaStsInput& in, Evaluation& ev) {
  const std::string owner = txt_owner(in.data);
  if (in.records.size() > 1) {
    ev.add("mta_sts.txt_multiple", owner,
           fmt::format("{} v=STSv1 records: senders assume there is no policy (§3.1)",
                       in.records.size()),
           in.records, "Keep exactly one record; change its id when the policy changes.");
    return true;
  }
  const auto txt = policy::mta_sts::parse_txt(in.records.front());
  if (txt.ok()) return false;
  ev.add("mta_sts.txt_invalid", owner,
         fmt::format("the _mta-sts record is invalid ({}): senders assume there is no policy",
                     txt.errors.front()),
         {in.records.front()},
         txt_record(owner, "v=STSv1; id=" + std::to_string(in.now)) +
             "\n(id: 1-32 letters and digits, changed whenever the policy changes)");
  return true;
}

// §3.3: a policy that cannot be fetched and used means no policy.
bool unusable_policy(const MtaStsInput& in, Evaluation& ev) {
  if (in.fetch.id.empty()) return false;
  std::vector<std::string> evidence{policy_url(in.data)};
  evidence.insert(evidence.end(), in.fetch.evidence.begin(), in.fetch.evidence.end());
  ev.add(in.fetch.id, in.data.policy_host,
         in.fetch.problem + "; senders treat the domain as having no MTA-STS policy", evidence,
         fmt::format("Serve the policy at {} over HTTPS (TLS 1.2+, a certificate valid for {}), "
                     "status 200, Content-Type text/plain, no redirect, under 64 KiB.",
                     policy_url(in.data), in.data.policy_host));
  return true;
}

void policy_warnings(const MtaStsInput& in, Evaluation& ev) {
  const auto& parsed = *in.fetch.parsed;
  for (const auto& w : parsed.warnings) {
    // A malformed mx line has its own finding (mta_sts.mx_pattern_malformed).
    const auto& bad = parsed.policy.mx_malformed;
    if (std::any_of(bad.begin(), bad.end(), [&](const auto& m) { return m.line == w.line; })) {
      continue;
    }
    ev.add("mta_sts.policy_warning", in.data.policy_host,
           w.line ? fmt::format("line {}: {}", w.line, w.message) : w.message);
  }
}

// §5: mode none withdraws the policy; testing only reports; a short max_age forgets it soon.
bool mode_and_age(const MtaStsInput& in, Evaluation& ev) {
  const auto& p = in.fetch.parsed->policy;
  const auto& d = in.data.domain;
  if (*p.mode == Mode::kNone) {
    ev.state = AreaState::kNotDeployed;
    ev.add("mta_sts.mode_none", d,
           "mode: none: the policy is withdrawn, senders apply no MTA-STS checks");
    return true;
  }
  if (*p.mode == Mode::kTesting) {
    ev.add("mta_sts.testing_mode", d,
           "mode: testing: senders report failures (TLS-RPT) but still deliver without TLS");
  }
  if (*p.max_age < 86400) {
    ev.add("mta_sts.max_age_short", in.data.policy_host,
           fmt::format("max_age {} s: senders forget the policy within a day, leaving a window "
                       "for a downgrade",
                       *p.max_age),
           {}, "Use max_age: 604800 (a week) or more.");
  }
  return false;
}

std::vector<std::string> unlisted_hosts(const MtaStsInput& in) {
  std::vector<std::string> out;
  for (const auto& h : in.hosts) {
    if (!h.listed) out.push_back(h.name);
  }
  return out;
}

// §3.2: mx lines that are not its syntax: strict senders match nothing with them; say who would
// still match for lenient ones, and give the corrected line.
void malformed_patterns(const MtaStsInput& in, Evaluation& ev) {
  const auto unlisted = unlisted_hosts(in);
  for (const auto& m : in.fetch.parsed->policy.mx_malformed) {
    std::vector<std::string> lenient;
    for (const auto& h : in.mx.hosts) {
      if (policy::mta_sts::mx_matches_lenient(m.pattern, h.name)) lenient.push_back(h.name);
    }
    const std::string fixed = policy::mta_sts::corrected_pattern(m.pattern);
    std::string fix;
    if (!fixed.empty()) {
      fix = fmt::format("Write it as:\nmx: {}", fixed);
    } else {
      fix = "Replace it with one line per MX host name (or *.<domain> for one label), e.g.:";
      for (const auto& h : lenient.empty() ? unlisted : lenient) fix += "\nmx: " + h;
    }
    fix += fmt::format("\nand change the id in {}.", txt_owner(in.data));
    ev.add("mta_sts.mx_pattern_malformed", in.data.policy_host,
           fmt::format("policy line {}: mx {} has {}: strict senders match no MX host with it{}",
                       m.line, m.pattern, m.problem,
                       lenient.empty()
                           ? std::string()
                           : fmt::format(", lenient ones match {}", fmt::join(lenient, ", "))),
           {fmt::format("mx: {}", m.pattern)}, fix);
  }
}

// §4.1, §4.2, §5: in enforce mode senders refuse hosts that are not listed or lack valid TLS; in
// testing mode they report them and deliver (findings of their own, at warning level).
void mx_hosts(const MtaStsInput& in, Evaluation& ev) {
  const bool enforce = *in.fetch.parsed->policy.mode == Mode::kEnforce;
  const std::string verdict =
      enforce ? "senders refuse to deliver to it" : "senders would report it";
  const auto unlisted = unlisted_hosts(in);
  if (!unlisted.empty()) {
    std::string lines;
    for (const auto& n : unlisted) lines += "mx: " + n + "\n";
    ev.add(
        enforce ? "mta_sts.mx_not_listed" : "mta_sts.testing_mx_not_listed", in.data.domain,
        fmt::format("{} MX host(s) match no mx line of the policy: {}", unlisted.size(), verdict),
        unlisted,
        fmt::format("Add them to the policy (and change the id in {}):\n{}", txt_owner(in.data),
                    lines));
  }
  std::vector<std::string> refused;
  for (const auto& h : in.hosts) {
    for (const auto& a : h.addresses) {
      if (!a.why.empty()) refused.push_back(fmt::format("{} [{}]: {}", h.name, a.address, a.why));
    }
  }
  if (!refused.empty()) {
    ev.add(enforce ? "mta_sts.mx_tls_invalid" : "mta_sts.testing_mx_tls_invalid", in.data.domain,
           fmt::format("{} MX address(es) lack STARTTLS with TLS 1.2+ and a web-PKI certificate "
                       "for the host: {}",
                       refused.size(), verdict),
           refused,
           "Give every MX host a certificate from a public CA valid for its name (e.g. Let's "
           "Encrypt) and TLS 1.2 or later.");
  }
  if (std::any_of(in.hosts.begin(), in.hosts.end(), [](const StsHost& h) { return h.dane; })) {
    ev.add("mta_sts.dane_precedence", in.data.domain,
           "DANE also protects the MX hosts: senders that support DANE use it and ignore MTA-STS "
           "(RFC 8461 §2)");
  }
}

std::string summary(const MtaStsInput& in, const Evaluation& ev) {
  if (ev.state == AreaState::kUndetermined) return "the MTA-STS lookup failed";
  if (in.records.empty()) {
    if (in.fetch.usable()) return "a policy is served, but no _mta-sts record announces it";
    return null_mx(in.mx) ? "not applicable: the domain receives no mail" : "no MTA-STS";
  }
  if (ev.has("mta_sts.txt_multiple")) return "several _mta-sts records";
  if (ev.has("mta_sts.txt_invalid")) return "the _mta-sts record is invalid";
  if (!in.fetch.id.empty()) return "the MTA-STS policy cannot be used";
  const auto& p = in.fetch.parsed->policy;
  if (*p.mode == Mode::kNone) return "MTA-STS mode none";
  if (ev.has("mta_sts.mx_not_listed") || ev.has("mta_sts.mx_tls_invalid")) {
    return "MTA-STS enforce: senders would refuse some MX hosts";
  }
  return fmt::format("MTA-STS {} for {} MX host(s)", policy::mta_sts::to_string(*p.mode),
                     in.mx.hosts.size());
}

}  // namespace

Evaluation evaluate_mta_sts(const MtaStsInput& in) {
  Evaluation ev;
  if (lookup_failed(in, ev) || no_record(in, ev) || bad_record(in, ev) || unusable_policy(in, ev)) {
    return ev;
  }
  policy_warnings(in, ev);
  if (mode_and_age(in, ev)) return ev;
  malformed_patterns(in, ev);
  mx_hosts(in, ev);
  return ev;
}

AreaView mta_sts_view(const MtaStsInput& in, const Evaluation& ev) {
  AreaView v;
  auto& d = v.details;
  d = {{"domain", in.data.domain}, {"policy_url", policy_url(in.data)}};
  v.summary = summary(in, ev);
  if (ev.state == AreaState::kUndetermined) return v;
  if (const auto& f = in.data.fetch) {
    d["fetch"] = {
        {"address", f->request.address},   {"status", f->status},
        {"content_type", f->content_type}, {"tls_version", net::protocol_name(f->tls_version)},
        {"bytes", f->body.size()},         {"elapsed_ms", f->elapsed_ms}};
  }
  if (in.records.empty()) return v;
  d["record"] = in.records.front();
  v.facts.push_back({"record", in.records.front()});
  if (!in.fetch.usable() || in.records.size() > 1 || ev.has("mta_sts.txt_invalid")) return v;
  const auto& p = in.fetch.parsed->policy;
  d["mode"] = policy::mta_sts::to_string(*p.mode);
  d["max_age"] = *p.max_age;
  d["mx"] = p.mx;
  v.facts.push_back(
      {"policy", fmt::format("mode {}, max_age {} s, mx {}", policy::mta_sts::to_string(*p.mode),
                             *p.max_age, fmt::join(p.mx, ", "))});
  if (*p.mode == Mode::kNone) return v;
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : in.hosts) {
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : h.addresses) {
      addrs.push_back({{"address", a.address}, {"ok", a.why.empty()}, {"why", a.why}});
    }
    hosts.push_back({{"name", h.name}, {"listed", h.listed}, {"addresses", addrs}});
  }
  d["hosts"] = hosts;
  return v;
}

AreaReport mta_sts_report(const MtaStsInput& in) {
  const Evaluation ev = evaluate_mta_sts(in);
  return area_report(Area::kMtaSts, ev, mta_sts_view(in, ev), in.data.elapsed_ms);
}

AreaReport mta_sts_report(const MtaStsData& data, const MxData& mx, const TransportData& transport,
                          const std::string& ca_file, std::time_t now) {
  return mta_sts_report(mta_sts_input(data, mx, transport, ca_file, now));
}

}  // namespace mc::checks
