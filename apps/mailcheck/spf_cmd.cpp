// spf_cmd.cpp - see spf_cmd.hpp. The evaluation lives in checks/spf_eval; this file reads the
// options, calls audit::evaluate_spf and prints.
#include "spf_cmd.hpp"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "cli_common.hpp"
#include "core/domain_name.hpp"
#include "policy/spf_macro.hpp"

namespace cli {

void add_spf(CLI::App& app, SpfCli& s) {
  s.cmd = app.add_subcommand(
      "spf",
      "Evaluate SPF for one client address (RFC 7208 check_host): result, explanation, trace");
  s.cmd->add_option("domain", s.domain,
                    "Domain whose SPF policy to evaluate (default: the domain of --sender, or "
                    "--helo when the sender is empty, as a receiver does)");
  s.cmd->add_option("--ip", s.ip, "The SMTP client's IPv4 or IPv6 address")->required();
  s.cmd->add_option("--sender", s.sender,
                    "MAIL FROM address (\"\" for a bounce: postmaster@HELO is checked); default "
                    "postmaster@DOMAIN");
  s.cmd->add_option("--helo", s.helo, "HELO/EHLO name the client gave (%{h}); default DOMAIN");
  s.cmd->add_option("--receiver", s.receiver, "This receiver's host name (%{r} in explanations)")
      ->capture_default_str();
  s.cmd->add_option("--default-explanation", s.default_explanation,
                    "Explanation to give for a fail when the domain publishes none (exp=)");
  s.cmd->add_option("--format", s.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  s.cmd->add_option("--resolver", s.resolvers,
                    "Forward DNS queries to this recursor, IP[@PORT] (repeatable; 'system' uses "
                    "/etc/resolv.conf). Answers are still DNSSEC-validated locally");
  s.trust_anchor = mc::dns::kDefaultTrustAnchor;
  s.cmd
      ->add_option("--trust-anchor", s.trust_anchor,
                   "DNSSEC trust anchor file (zone-file DS or DNSKEY lines)")
      ->capture_default_str();
  s.cmd
      ->add_option("--timeout", s.timeout_s,
                   "Time budget of the whole evaluation in seconds; beyond it: temperror")
      ->capture_default_str();
}

namespace {

std::string render_text(const SpfCli& s, const mc::audit::SpfQueryOptions& o,
                        const mc::audit::SpfQueryResult& r) {
  const auto& ev = r.evaluation;
  std::string out = fmt::format("SPF for {} from {} (MAIL FROM <{}>, HELO {})\n", o.input.domain,
                                o.input.ip.text(), o.input.sender, o.input.helo);
  out += fmt::format("  result       {}\n", mc::checks::spf::to_string(ev.result));
  if (!ev.explanation.empty()) out += fmt::format("  explanation  {}\n", ev.explanation);
  out += fmt::format("  why          {}\n", ev.reason);
  if (!ev.record.empty()) out += fmt::format("  record       {}\n", ev.record);
  out +=
      fmt::format("  lookups      {} of {} DNS-querying terms, {} of {} void lookups\n",
                  ev.lookup_terms, o.limits.lookup_terms, ev.void_lookups, o.limits.void_lookups);
  out += "\nEvaluation, step by step:\n";
  for (const auto& t : ev.trace) {
    const std::string indent(2 + 2 * static_cast<std::size_t>(t.depth), ' ');
    if (t.step == "record") {
      out += fmt::format("{}{}: {}{}\n", indent, t.domain, t.detail.empty() ? "" : t.detail + "  ",
                         t.outcome == "selected" ? "" : "-> " + t.outcome);
    } else {
      out += fmt::format("{}  {} {}  -> {}\n", indent, t.step == "term" ? "" : t.step, t.detail,
                         t.outcome);
    }
  }
  (void)s;
  return out;
}

nlohmann::json render_json(const mc::audit::SpfQueryOptions& o,
                           const mc::audit::SpfQueryResult& r) {
  const auto& ev = r.evaluation;
  nlohmann::json j;
  j["domain"] = o.input.domain;
  j["ip"] = o.input.ip.text();
  j["sender"] = o.input.sender;
  j["helo"] = o.input.helo;
  j["result"] = mc::checks::spf::to_string(ev.result);
  j["explanation"] = ev.explanation;
  j["reason"] = ev.reason;
  j["record"] = ev.record;
  j["lookup_terms"] = ev.lookup_terms;
  j["void_lookups"] = ev.void_lookups;
  j["elapsed_ms"] = r.elapsed_ms;
  j["trace"] = nlohmann::json::array();
  for (const auto& t : ev.trace) {
    j["trace"].push_back({{"depth", t.depth},
                          {"domain", t.domain},
                          {"step", t.step},
                          {"detail", t.detail},
                          {"outcome", t.outcome}});
  }
  return j;
}

}  // namespace

int run_spf(const SpfCli& s) {
  auto ip = mc::policy::spf::parse_ip(s.ip);
  if (!ip) {
    return usage_error(fmt::format("--ip '{}' is not an IPv4 or IPv6 address", s.ip));
  }
  if (!(s.timeout_s >= 1 && s.timeout_s <= 3600)) {
    return usage_error(
        fmt::format("--timeout {} is out of range; give seconds between 1 and 3600", s.timeout_s));
  }
  for (const auto& f : s.resolvers) {
    if (auto ok = mc::dns::validate_forwarder(f); !ok) return usage_error(ok.error().message);
  }
  mc::audit::SpfQueryOptions o;
  o.input.ip = *ip;
  o.input.receiver = s.receiver;
  o.input.default_explanation = s.default_explanation;
  o.input.timestamp = std::time(nullptr);
  if (!s.domain.empty()) {
    // A domain the user typed must be a domain: IDNs become A-labels, junk is a usage error.
    auto d = mc::DomainName::parse(s.domain);
    if (!d) return usage_error(d.error().message);
    o.input.domain = d->str();
    o.input.sender = s.sender_given ? s.sender : "postmaster@" + d->str();
    o.input.helo = s.helo.empty() ? d->str() : s.helo;
  } else {
    // As a receiver: the identity comes from the SMTP session, and a malformed one is an SPF
    // result (none, §4.3), not a usage error.
    if (!s.sender_given && s.helo.empty()) {
      return usage_error("give a DOMAIN, or --sender (and --helo) as an SMTP session would");
    }
    o.input.sender = s.sender;
    o.input.helo = s.helo;
    o.input.domain = mc::policy::spf::sender_parts(s.sender, s.helo).domain;
  }
  mc::dns::ResolverConfig rc;
  rc.forwarders = s.resolvers;
  rc.trust_anchor_file = s.trust_anchor;
  o.timeout = ms(s.timeout_s);
  rc.query_timeout = std::min(rc.query_timeout, o.timeout);
  o.resolver = rc;
  auto r = mc::audit::evaluate_spf(o);
  if (!r) return usage_error(r.error().message);
  return write_all(
      s.format == "json"
          ? render_json(o, *r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
          : render_text(s, o, *r));
}

}  // namespace cli
