// mta_sts.cpp - see mta_sts.hpp. Section numbers are RFC 8461.
#include "checks/mta_sts.hpp"

#include <fmt/format.h>

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
bool tls_version_ok(const std::string& v) { return v == "TLSv1.2" || v == "TLSv1.3"; }

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

AreaReport evaluate_mta_sts(const MtaStsData& data, const MxData& mx,
                            const TransportData& transport, const std::string& ca_file,
                            std::time_t now) {
  AreaReport r;
  r.area = Area::kMtaSts;
  r.elapsed_ms = data.elapsed_ms;
  const std::string& d = data.domain;
  const std::string txt_owner = "_mta-sts." + d;
  const std::string url = fmt::format("https://{}/.well-known/mta-sts.txt", data.policy_host);
  nlohmann::json details{{"domain", d}, {"policy_url", url}};
  auto done = [&](Status s, std::string summary) {
    r.status = s;
    r.summary = std::move(summary);
    r.details = details;
    return r;
  };

  if (!data.txt.is_answer()) {
    add_finding(r, "mta_sts.lookup_failed", txt_owner,
                fmt::format("the lookup of {} failed: {}", txt_owner, data.txt.describe()),
                data.txt.evidence_lines());
    return done(Status::kError, "the MTA-STS lookup failed");
  }
  std::vector<std::string> records;
  for (const auto& rec : data.txt.records) {
    // §3.1: records that do not begin with v=STSv1; are discarded.
    if (policy::mta_sts::is_sts_record(rec.txt())) records.push_back(rec.txt());
  }

  // The policy as a sender would fetch it (only when there is a TXT record, a sender would).
  std::optional<policy::mta_sts::PolicyParse> parsed;
  std::string fetch_problem;  // why a sender ends up with "no policy", or ""
  std::string_view fetch_id;
  std::vector<std::string> fetch_evidence;
  if (!data.fetch) {
    fetch_id = "mta_sts.policy_unreachable";
    fetch_problem = fmt::format("{} has no address ({})", data.policy_host, data.a.describe());
  } else {
    const auto& f = *data.fetch;
    details["fetch"] = {{"address", f.request.address},   {"status", f.status},
                        {"content_type", f.content_type}, {"tls_version", f.tls_version},
                        {"bytes", f.body.size()},         {"elapsed_ms", f.elapsed_ms}};
    const auto pkix = f.chain_der.empty()
                          ? tls::PkixVerdict{}
                          : tls::verify_pkix(f.chain_der, data.policy_host, ca_file, now);
    if (f.failure && f.failure->kind == "blocked") {
      fetch_id = "mta_sts.policy_host_not_public";
      fetch_problem = fmt::format("{}: {}", data.policy_host, f.failure->detail);
    } else if (f.failure && f.failure->step != net::FetchStep::kResponse) {
      fetch_id = "mta_sts.policy_unreachable";
      fetch_problem =
          fmt::format("{} [{}]: {} failed ({}: {})", data.policy_host, f.request.address,
                      net::to_string(f.failure->step), f.failure->kind, f.failure->detail);
    } else if (!pkix.valid) {
      fetch_id = "mta_sts.policy_cert_invalid";
      fetch_problem = fmt::format("the certificate of {} is not valid for it under web PKI: {}",
                                  data.policy_host, pkix.error);
    } else if (f.failure && f.failure->kind == "too_large") {
      fetch_id = "mta_sts.policy_too_large";
      fetch_problem = fmt::format("the policy is larger than {} octets", f.request.max_body);
    } else if (f.failure) {
      fetch_id = "mta_sts.policy_unreachable";
      fetch_problem =
          fmt::format("reading the policy failed ({}: {})", f.failure->kind, f.failure->detail);
    } else if (f.status >= 300 && f.status < 400) {
      fetch_id = "mta_sts.policy_redirect";
      fetch_problem = fmt::format("HTTP {} redirect to '{}': senders must not follow it (§3.3)",
                                  f.status, f.location);
    } else if (f.status != 200) {
      fetch_id = "mta_sts.policy_http_status";
      fetch_problem = fmt::format("HTTP status {} instead of 200", f.status);
    } else if (policy::text::to_lower(f.content_type.substr(0, f.content_type.find(';'))) !=
               "text/plain") {
      fetch_id = "mta_sts.policy_media_type";
      fetch_problem = fmt::format("Content-Type '{}' instead of text/plain (§3.3)", f.content_type);
    } else {
      parsed = policy::mta_sts::parse_policy(f.body);
      if (!parsed->ok()) {
        fetch_id = "mta_sts.policy_invalid";
        fetch_problem = "the policy is invalid: " + parsed->errors.front().message;
        for (const auto& e : parsed->errors) {
          fetch_evidence.push_back(e.line ? fmt::format("line {}: {}", e.line, e.message)
                                          : e.message);
        }
      }
    }
  }

  if (records.empty()) {
    if (parsed && parsed->ok()) {
      add_finding(
          r, "mta_sts.txt_missing", d,
          fmt::format("{} serves a policy, but there is no {} record, so senders never fetch it",
                      url, txt_owner),
          data.txt.evidence_lines(),
          "Publish:\n" + txt_record(txt_owner, "v=STSv1; id=" + std::to_string(now)));
      return done(Status::kNone, "a policy is served, but no _mta-sts record announces it");
    }
    const bool null_mx =
        mx.hosts.empty() && mx.entries.size() == 1 && mx.entries.front().exchange == ".";
    if (null_mx) return done(Status::kNone, "not applicable: the domain receives no mail");
    add_finding(r, "mta_sts.none", d,
                "no MTA-STS policy: senders without DANE deliver without checks", {},
                "Publish:\n" + starter(d, mx, now));
    return done(Status::kNone, "no MTA-STS");
  }
  details["record"] = records.front();
  r.facts.push_back({"record", records.front()});
  if (records.size() > 1) {
    add_finding(
        r, "mta_sts.txt_multiple", txt_owner,
        fmt::format("{} v=STSv1 records: senders assume there is no policy (§3.1)", records.size()),
        records, "Keep exactly one record; change its id when the policy changes.");
    return done(Status::kFail, "several _mta-sts records");
  }
  const auto txt = policy::mta_sts::parse_txt(records.front());
  if (!txt.ok()) {
    add_finding(
        r, "mta_sts.txt_invalid", txt_owner,
        fmt::format("the _mta-sts record is invalid ({}): senders assume there is no policy",
                    txt.errors.front()),
        {records.front()},
        txt_record(txt_owner, "v=STSv1; id=" + std::to_string(now)) +
            "\n(id: 1-32 letters and digits, changed whenever the policy changes)");
    return done(Status::kFail, "the _mta-sts record is invalid");
  }
  if (!fetch_problem.empty()) {
    fetch_evidence.insert(fetch_evidence.begin(), url);
    add_finding(
        r, fetch_id, data.policy_host,
        fetch_problem + "; senders treat the domain as having no MTA-STS policy", fetch_evidence,
        fmt::format("Serve the policy at {} over HTTPS (TLS 1.2+, a certificate valid for {}), "
                    "status 200, Content-Type text/plain, no redirect, under 64 KiB.",
                    url, data.policy_host));
    return done(Status::kFail, "the MTA-STS policy cannot be used");
  }
  const auto& p = parsed->policy;
  for (const auto& w : parsed->warnings) {
    // A malformed mx line has its own finding (mta_sts.mx_pattern_malformed) below.
    if (std::any_of(p.mx_malformed.begin(), p.mx_malformed.end(),
                    [&](const auto& m) { return m.line == w.line; })) {
      continue;
    }
    add_finding(r, "mta_sts.policy_warning", data.policy_host,
                w.line ? fmt::format("line {}: {}", w.line, w.message) : w.message);
  }
  const Mode mode = *p.mode;
  details["mode"] = policy::mta_sts::to_string(mode);
  details["max_age"] = *p.max_age;
  details["mx"] = p.mx;
  r.facts.push_back(
      {"policy", fmt::format("mode {}, max_age {} s, mx {}", policy::mta_sts::to_string(mode),
                             *p.max_age, fmt::join(p.mx, ", "))});
  if (mode == Mode::kNone) {
    add_finding(r, "mta_sts.mode_none", d,
                "mode: none: the policy is withdrawn, senders apply no MTA-STS checks");
    return done(Status::kNone, "MTA-STS mode none");
  }
  bool failed = false, warned = false;
  const bool enforce = mode == Mode::kEnforce;
  if (!enforce) {
    warned = true;
    add_finding(r, "mta_sts.testing_mode", d,
                "mode: testing: senders report failures (TLS-RPT) but still deliver without TLS");
  }
  if (*p.max_age < 86400) {
    warned = true;
    add_finding(
        r, "mta_sts.max_age_short", data.policy_host,
        fmt::format("max_age {} s: senders forget the policy within a day, leaving a window "
                    "for a downgrade",
                    *p.max_age),
        {}, "Use max_age: 604800 (a week) or more.");
  }

  // §4, §5: what a sender concludes for each MX host.
  nlohmann::json hosts = nlohmann::json::array();
  std::vector<std::string> unlisted, refused;
  bool any_dane = false;
  for (const auto& h : mx.hosts) {
    const bool listed = std::any_of(p.mx.begin(), p.mx.end(), [&](const std::string& pattern) {
      return policy::mta_sts::mx_matches(pattern, h.name);
    });
    nlohmann::json jh{{"name", h.name}, {"listed", listed}};
    if (!listed) unlisted.push_back(h.name);
    const HostTransport* t = nullptr;
    for (const auto& ht : transport.hosts) {
      if (ht.host == h.name) t = &ht;
    }
    if (t && t->tlsa.state == TlsaState::kUsable) any_dane = true;
    nlohmann::json addrs = nlohmann::json::array();
    if (listed && t) {
      for (const auto& probe : t->probes) {
        std::string why;
        if (!probe.tls) {
          why = probe.failure ? fmt::format("no TLS ({}: {})", net::to_string(probe.failure->step),
                                            probe.failure->detail)
                              : "no TLS";
        } else if (!tls_version_ok(probe.tls->version)) {
          why = probe.tls->version + " is older than TLS 1.2";
        } else {
          const auto v = tls::verify_pkix(probe.tls->chain_der, h.name, ca_file, now);
          if (!v.valid) why = "certificate not valid for " + h.name + ": " + v.error;
        }
        addrs.push_back({{"address", probe.target.address}, {"ok", why.empty()}, {"why", why}});
        if (!why.empty())
          refused.push_back(fmt::format("{} [{}]: {}", h.name, probe.target.address, why));
      }
    }
    jh["addresses"] = addrs;
    hosts.push_back(jh);
  }
  details["hosts"] = hosts;
  // mx lines that are not §3.2 syntax: strict senders match nothing with them; say who would
  // still match for lenient ones, and give the corrected line.
  for (const auto& m : p.mx_malformed) {
    warned = true;
    std::vector<std::string> lenient;
    for (const auto& h : mx.hosts) {
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
    fix += fmt::format("\nand change the id in {}.", txt_owner);
    add_finding(r, "mta_sts.mx_pattern_malformed", data.policy_host,
                fmt::format("policy line {}: mx {} has {}: strict senders match no MX host with "
                            "it{}",
                            m.line, m.pattern, m.problem,
                            lenient.empty()
                                ? std::string()
                                : fmt::format(", lenient ones match {}", fmt::join(lenient, ", "))),
                {fmt::format("mx: {}", m.pattern)}, fix);
  }
  const std::string verdict =
      enforce ? "senders refuse to deliver to it" : "senders would report it";
  if (!unlisted.empty()) {
    (enforce ? failed : warned) = true;
    add_finding(
        r, "mta_sts.mx_not_listed", d,
        fmt::format("{} MX host(s) match no mx line of the policy: {}", unlisted.size(), verdict),
        unlisted,
        fmt::format("Add them to the policy (and change the id in {}):\n{}", txt_owner, [&] {
          std::string s;
          for (const auto& n : unlisted) s += "mx: " + n + "\n";
          return s;
        }()));
  }
  if (!refused.empty()) {
    (enforce ? failed : warned) = true;
    add_finding(
        r, "mta_sts.mx_tls_invalid", d,
        fmt::format("{} MX address(es) lack STARTTLS with TLS 1.2+ and a web-PKI certificate for "
                    "the host: {}",
                    refused.size(), verdict),
        refused,
        "Give every MX host a certificate from a public CA valid for its name (e.g. Let's Encrypt) "
        "and TLS 1.2 or later.");
  }
  if (any_dane) {
    add_finding(
        r, "mta_sts.dane_precedence", d,
        "DANE also protects the MX hosts: senders that support DANE use it and ignore MTA-STS "
        "(RFC 8461 §2)");
  }
  if (failed) return done(Status::kFail, "MTA-STS enforce: senders would refuse some MX hosts");
  return done(warned ? Status::kWarn : Status::kPass,
              fmt::format("MTA-STS {} for {} MX host(s)", policy::mta_sts::to_string(mode),
                          mx.hosts.size()));
}

}  // namespace mc::checks
