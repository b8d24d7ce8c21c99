// dmarc.cpp - see dmarc.hpp. Section numbers are RFC 9989 unless marked RFC 7489 or RFC 9990.
#include "checks/dmarc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <set>

#include "checks/spf.hpp"
#include "core/clock.hpp"
#include "core/evaluation.hpp"
#include "core/parallel.hpp"
#include "core/psl.hpp"
#include "policy/text.hpp"

namespace mc::checks {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using dns::Answer;
using policy::dmarc::Applied;
using policy::dmarc::Discovery;
using policy::dmarc::Level;
using policy::dmarc::Outcome;
using policy::dmarc::Policy;
using policy::dmarc::RuleSet;
using policy::dmarc::strength;

constexpr RuleSet kBis = RuleSet::kRfc9989;
constexpr RuleSet kOld = RuleSet::kRfc7489;

// ---- collection -------------------------------------------------------------------------------

// ask - TXT at _dmarc.<name> for every name not asked yet, at once.
asio::awaitable<void> ask(dns::Resolver& resolver, DmarcData& d, std::vector<std::string> names) {
  std::vector<std::string> todo;
  for (auto& n : names) {
    if (!d.txt.contains(n) && std::find(todo.begin(), todo.end(), n) == todo.end()) {
      todo.push_back(std::move(n));
    }
  }
  std::vector<asio::awaitable<Answer>> lookups;
  for (const auto& n : todo) lookups.push_back(resolver.query("_dmarc." + n, dns::rrtype::kTxt));
  auto answers = co_await when_all(std::move(lookups));
  for (std::size_t i = 0; i < todo.size(); ++i) d.txt.emplace(todo[i], std::move(answers[i]));
}

std::vector<std::string> walk_from(const std::string& start) {
  std::vector<std::string> names{start};
  for (auto& n : policy::dmarc::walk_names(start)) names.push_back(std::move(n));
  return names;
}

// destinations_of - one entry per (policy domain, report host) of the records applied.
std::vector<DmarcDestination> destinations_of(const DmarcData& d) {
  std::vector<DmarcDestination> out;
  for (const RuleSet rules : {kBis, kOld}) {
    const Discovery& disc = d.discovery(rules);
    if (disc.outcome != Outcome::kRecord) continue;
    const auto parsed = policy::dmarc::parse_dmarc(disc.record);
    for (const auto* list : {&parsed.record.rua, &parsed.record.ruf}) {
      for (const auto& u : *list) {
        if (!u.valid || u.host.empty()) continue;
        auto it = std::find_if(out.begin(), out.end(), [&](const DmarcDestination& x) {
          return x.host == u.host && x.policy_domain == disc.policy_domain;
        });
        if (it == out.end()) {
          DmarcDestination dest;
          dest.uri = u.uri;
          dest.host = u.host;
          dest.policy_domain = disc.policy_domain;
          dest.name = disc.policy_domain + "._report._dmarc." + u.host;
          out.push_back(std::move(dest));
          it = out.end() - 1;
        }
        (rules == kBis ? it->for_9989 : it->for_7489) = true;
      }
    }
  }
  return out;
}

// ---- evaluation helpers -----------------------------------------------------------------------

std::string rules_label(RuleSet r) { return r == kBis ? "RFC 9989" : "RFC 7489"; }

std::string policy_text(const std::optional<Policy>& p) {
  return p ? fmt::format("p={}", policy::dmarc::to_string(*p)) : std::string("no DMARC");
}

// split_tags - the record's tag=value parts, trimmed, in order.
std::vector<std::string> split_tags(const std::string& record) {
  std::vector<std::string> parts;
  std::size_t s = 0;
  while (s <= record.size()) {
    std::size_t e = record.find(';', s);
    if (e == std::string::npos) e = record.size();
    std::string p(policy::text::trim_fws(std::string_view(record).substr(s, e - s)));
    if (!p.empty()) parts.push_back(std::move(p));
    if (e == record.size()) break;
    s = e + 1;
  }
  return parts;
}

std::string tag_name(const std::string& part) {
  std::string name = part.substr(0, part.find('='));
  name.erase(name.find_last_not_of(" \t") + 1);
  return policy::text::to_lower(name);
}

std::string join_tags(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// with_tag - the record text with tag set to value (replaced in place, or appended), or removed
// when value is empty. Other tags keep their text and order; p goes right after v (RFC 7489
// §6.4 wants it there, RFC 9989 does not mind).
std::string with_tag(const std::string& record, const std::string& tag, const std::string& value) {
  std::vector<std::string> parts;
  bool done = false;
  for (auto& p : split_tags(record)) {
    if (tag_name(p) == tag) {
      if (!value.empty()) parts.push_back(tag + "=" + value);
      done = true;
    } else {
      parts.push_back(std::move(p));
    }
  }
  if (!done && !value.empty()) {
    parts.insert(tag == "p" && !parts.empty() ? parts.begin() + 1 : parts.end(), tag + "=" + value);
  }
  return join_tags(parts);
}

// drop_size - a URI list without the obsolete "!size" suffixes (RFC 9989 §4.8).
std::string drop_size(const std::string& list) {
  std::string out;
  std::size_t s = 0;
  while (s <= list.size()) {
    std::size_t e = list.find(',', s);
    if (e == std::string::npos) e = list.size();
    std::string u(policy::text::trim_fws(std::string_view(list).substr(s, e - s)));
    if (const auto parsed = policy::dmarc::parse_uri(u); parsed.valid && parsed.max_size) {
      u = parsed.uri;
    }
    if (!u.empty()) out += (out.empty() ? "" : ",") + u;
    if (e == list.size()) break;
    s = e + 1;
  }
  return out;
}

// modern - the record as it should be published now: without the tags RFC 9989 removed (pct,
// rf, ri) and without "!size" suffixes, so that no suggested record carries obsolete syntax.
std::string modern(const std::string& record) {
  std::vector<std::string> parts;
  for (auto& p : split_tags(record)) {
    const std::string name = tag_name(p);
    if (name == "pct" || name == "rf" || name == "ri") continue;
    if (name == "rua" || name == "ruf") p = name + "=" + drop_size(p.substr(p.find('=') + 1));
    parts.push_back(std::move(p));
  }
  return join_tags(parts);
}

// clean_record - a valid rewrite of a broken record: v=DMARC1 first, p right after it (the
// record's own valid p, else none), then every other well-formed, valid tag once, in order.
std::string clean_record(const std::string& record) {
  const auto parsed = policy::dmarc::parse_dmarc(record);
  std::string out =
      fmt::format("v=DMARC1; p={}", parsed.record.p ? policy::dmarc::to_string(*parsed.record.p)
                                                    : std::string_view("none"));
  std::set<std::string> seen{"v", "p"};
  for (const auto& part : split_tags(record)) {
    if (part.find('=') == std::string::npos) continue;
    const std::string name = tag_name(part);
    const bool invalid = std::any_of(parsed.errors.begin(), parsed.errors.end(),
                                     [&](const auto& e) { return e.tag == name; });
    if (!name.empty() && !invalid && seen.insert(name).second) out += "; " + part;
  }
  return modern(out);
}

std::string describe_alignment(char mode, const char* what, const std::string& org) {
  return mode == 's' ? fmt::format("{} strict (the exact From domain)", what)
                     : fmt::format("{} relaxed (any name under {})", what, org);
}

std::string level_phrase(const Discovery& d) {
  switch (d.level) {
    case Level::kAuthor:
      return "its own record";
    case Level::kOrganizational:
      return fmt::format("the Organizational Domain's record at _dmarc.{}", d.policy_domain);
    case Level::kPublicSuffix:
      return fmt::format("the public suffix operator's record at _dmarc.{}", d.policy_domain);
  }
  return "";
}

// view_line - one rule set's conclusion in a line, for facts and side-by-side evidence.
std::string view_line(const DmarcData& data, RuleSet rules) {
  const Discovery& d = data.discovery(rules);
  const Applied a = data.applied(rules);
  std::string where;
  switch (d.outcome) {
    case Outcome::kRecord:
      where = level_phrase(d);
      break;
    case Outcome::kNone:
      where = "no record found";
      break;
    case Outcome::kMultiple:
      where = fmt::format("several records at _dmarc.{}, so none applies", d.policy_domain);
      break;
    case Outcome::kFailed:
      where = fmt::format("{} failed ({})", d.failed_name, d.failure);
      break;
  }
  std::string pol = policy_text(a.policy);
  if (a.testing) pol += fmt::format(" (t=y lowers {})", policy::dmarc::to_string(*a.stated));
  if (a.sampled_out) pol += fmt::format(" (pct=0 lowers {})", policy::dmarc::to_string(*a.stated));
  if (rules == kOld && a.policy && a.pct > 0 && a.pct < 100) pol += fmt::format(" for {}%", a.pct);
  return fmt::format("{}; Organizational Domain {}{}; applies {}", where, d.org_domain,
                     d.org_known ? "" : " (undetermined)", pol);
}

// Ctx - what every rule reads, and the evaluation they add to.
struct Ctx {
  const DmarcData& data;
  Evaluation& ev;
  std::string owner;         // _dmarc.<domain>
  std::string policy_owner;  // _dmarc.<policy domain> (RFC 9989)
  std::string text;          // the applied record (RFC 9989)
  policy::dmarc::ParseResult parsed;
  Applied bis, old;

  void add(std::string_view id, std::string subject, std::string summary,
           std::vector<std::string> evidence, std::string fix, std::string_view rules) {
    ev.add(id, std::move(subject), std::move(summary), std::move(evidence), std::move(fix))
        .rule_set = std::string(rules);
  }
};

// ---- rules: the record --------------------------------------------------------------------------

void judge_syntax(Ctx& c) {
  const auto& rec = c.parsed.record;
  const std::string& pd = c.data.rfc9989.policy_domain;
  std::vector<std::string> errors;
  bool every_receiver = false;
  for (const auto& e : c.parsed.errors) {
    if (policy::dmarc::applies(e.scope, kBis)) {
      errors.push_back(fmt::format("offset {}: {}", e.pos, e.message));
      every_receiver = every_receiver || e.scope == policy::dmarc::Scope::kBoth;
    }
  }
  if (!errors.empty()) {
    std::vector<std::string> ev{c.text};
    ev.insert(ev.end(), errors.begin(), errors.end());
    c.add("dmarc.syntax_error", pd,
          c.bis.policy ? "the policy is invalid: receivers act as if p=none"
                       : "the policy is invalid and has no valid rua: receivers apply no DMARC",
          ev, "Correct it, e.g.\n" + txt_record(c.policy_owner, clean_record(c.text)),
          every_receiver ? "both" : "rfc9989");
  }
  if (!rec.p && c.parsed.ok(kBis)) {
    c.add("dmarc.p_missing", pd,
          fmt::format("no p= tag: RFC 9989 receivers read p=none; RFC 7489 receivers find the "
                      "record invalid and {}",
                      rec.has_valid_rua() ? "act as p=none" : "apply no DMARC"),
          {c.text},
          "State the policy:\n" + txt_record(c.policy_owner, with_tag(modern(c.text), "p", "none")),
          "both");
  }
  for (const auto& w : c.parsed.warnings) {
    c.add("dmarc.tag_invalid", pd, w.message, {c.text},
          w.tag.empty()
              ? "Remove the malformed part:\n" + txt_record(c.policy_owner, clean_record(c.text))
              : fmt::format("Correct or remove the {} tag; its default applies meanwhile.", w.tag),
          "both");
  }
  if (rec.p && !rec.p_second) {
    c.add("dmarc.p_not_second", pd,
          "p is not the tag right after v=DMARC1: RFC 7489 requires it there, and strict older "
          "receivers may discard the record (RFC 9989 allows any order)",
          {c.text},
          txt_record(c.policy_owner, with_tag(with_tag(modern(c.text), "p", ""), "p",
                                              std::string(policy::dmarc::to_string(*rec.p)))),
          "rfc7489");
  }
  if (!rec.unknown.empty()) {
    c.add("dmarc.unknown_tag", pd,
          fmt::format("unknown tag{} {}: every receiver ignores {}",
                      rec.unknown.size() > 1 ? "s" : "", fmt::join(rec.unknown, ", "),
                      rec.unknown.size() > 1 ? "them" : "it"),
          {c.text}, "", "both");
  }
  std::vector<std::string> obsolete;
  for (const auto& t : rec.obsolete) {
    // pct below 100 changes what RFC 7489 receivers do: dmarc.pct_partial and dmarc.testing_mode
    // say so; here only the tags without effect on the policy.
    const bool invalid = std::any_of(c.parsed.warnings.begin(), c.parsed.warnings.end(),
                                     [&](const auto& w) { return w.tag == t; });
    if (!invalid && (t != "pct" || rec.pct == 100)) obsolete.push_back(t);
  }
  if (!obsolete.empty()) {
    c.add("dmarc.obsolete_tag", pd,
          fmt::format("{}: RFC 9989 removed {}; its receivers ignore {}, older ones may still "
                      "honour {}",
                      fmt::join(obsolete, ", "), obsolete.size() > 1 ? "these tags" : "this tag",
                      obsolete.size() > 1 ? "them" : "it", obsolete.size() > 1 ? "them" : "it"),
          {c.text}, "Remove them:\n" + txt_record(c.policy_owner, modern(c.text)), "rfc9989");
  }
  if (rec.size_limits) {
    c.add("dmarc.size_limit_obsolete", pd,
          "a report URI carries a !size limit: RFC 9989 receivers ignore it", {c.text},
          txt_record(c.policy_owner, modern(c.text)), "rfc9989");
  }
}

// ---- rules: where the policy comes from and who applies what
// -------------------------------------

void judge_source(Ctx& c) {
  const Discovery& bis = c.data.rfc9989;
  const Discovery& old = c.data.rfc7489;
  const std::string& d = c.data.domain;
  if (bis.level == Level::kOrganizational) {
    c.add("dmarc.inherited", d,
          fmt::format("no record at {}; the Organizational Domain's record at {} applies ({})",
                      c.owner, c.policy_owner, c.bis.why),
          {c.text}, "",
          old.level == Level::kOrganizational && old.policy_domain == bis.policy_domain
              ? "both"
              : "rfc9989");
  } else if (bis.level == Level::kPublicSuffix) {
    c.add("dmarc.psd_policy", d,
          fmt::format("no record at {} or its Organizational Domain {}; RFC 9989 receivers apply "
                      "the public suffix operator's record at {} ({})",
                      c.owner, bis.org_domain, c.policy_owner, c.bis.why),
          {c.text},
          // The suggestion keeps the policy RFC 9989 receivers apply now: never a weaker one.
          fmt::format("Publish a policy of your own, so that every receiver applies the one you "
                      "chose (here the one RFC 9989 receivers apply already):\n{}",
                      txt_record("_dmarc." + bis.org_domain,
                                 fmt::format("v=DMARC1; p={}; rua=mailto:dmarc-reports@{}",
                                             c.bis.policy ? policy::dmarc::to_string(*c.bis.policy)
                                                          : std::string_view("none"),
                                             bis.org_domain))),
          "rfc9989");
  }
  // What differs between the two kinds of receiver: the record, the Organizational Domain, the
  // policy. Shown side by side (details.rulesets holds the same in JSON).
  const bool record_differs = bis.outcome != old.outcome || bis.policy_domain != old.policy_domain;
  const bool policy_differs = c.bis.policy != c.old.policy;
  const bool org_differs = bis.org_domain != old.org_domain;
  std::vector<std::string> side{
      "RFC 9989 receivers (DNS Tree Walk): " + view_line(c.data, kBis),
      "RFC 7489 receivers (Public Suffix List): " + view_line(c.data, kOld)};
  if (record_differs || policy_differs) {
    std::string fix;
    if (record_differs && bis.level != Level::kPublicSuffix) {  // dmarc.psd_policy has the fix
      const std::string p =
          c.bis.stated ? std::string(policy::dmarc::to_string(*c.bis.stated)) : std::string("none");
      const std::string own =
          bis.level == Level::kAuthor
              ? modern(c.text)
              : fmt::format("v=DMARC1; p={}; rua=mailto:dmarc-reports@{}", p, d);
      fix = fmt::format(
          "Publish the policy at the domain itself, so that both kinds of receiver find the same "
          "record (RFC 9989 Appendix C.3):\n{}",
          txt_record(c.owner, own));
    }
    c.add("dmarc.receivers_differ", d,
          fmt::format("RFC 9989 and RFC 7489 receivers apply {}: {} against {}",
                      record_differs ? "different records" : "different policies",
                      policy_text(c.bis.policy), policy_text(c.old.policy)),
          side, fix, "both");
  } else if (org_differs && bis.org_known) {  // an undetermined one is walk_incomplete
    c.add("dmarc.org_domain_differs", d,
          fmt::format("relaxed alignment differs: RFC 9989 receivers align identifiers under {}, "
                      "RFC 7489 receivers under {}",
                      bis.org_domain, old.org_domain),
          side,
          "Where mail is signed or sent from other names of the organisation, publish a record at "
          "each From domain, or use strict alignment (adkim=s; aspf=s), so that both kinds of "
          "receiver judge alike.",
          "both");
  }
  if (!bis.org_known) {
    c.add("dmarc.walk_incomplete", d,
          fmt::format("the Organizational Domain could not be determined: {}", bis.org_basis), {},
          "", "rfc9989");
  }
}

// ---- rules: the strength of the policy ----------------------------------------------------------

// Appendix A.6, RFC 7489 §6.6.4: t=y lowers the policy one level for RFC 9989 receivers only;
// with pct=0 RFC 7489 receivers do the same.
void judge_testing(Ctx& c) {
  const auto& rec = c.parsed.record;
  if (!rec.testing || !c.bis.stated || *c.bis.stated == Policy::kNone) return;
  const std::string& d = c.data.domain;
  const std::string full = txt_record(c.policy_owner, modern(with_tag(c.text, "t", "")));
  if (rec.pct_given && rec.pct == 0) {
    c.add("dmarc.testing_mode", d,
          fmt::format("t=y with pct=0, a trial of {}: every receiver applies {}",
                      policy_text(c.bis.stated), policy_text(c.bis.policy)),
          {c.text}, "When the reports stay clean, enforce it:\n" + full, "both");
    return;
  }
  c.add("dmarc.testing_mode", d,
        fmt::format("t=y: RFC 9989 receivers apply {}, but RFC 7489 receivers ignore t and "
                    "apply {} in full",
                    policy_text(c.bis.policy), policy_text(c.old.policy)),
        {c.text},
        fmt::format("For a trial that both kinds of receiver honour, add pct=0:\n{}\nor, to "
                    "enforce the policy, remove t:\n{}",
                    txt_record(c.policy_owner, with_tag(c.text, "pct", "0")), full),
        "both");
}

void judge_strength(Ctx& c) {
  const auto& rec = c.parsed.record;
  const auto& eff = c.bis.policy;
  if (!eff || c.bis.void_policy) return;  // dmarc.syntax_error says what receivers do instead
  // A public suffix operator's policy: the owner's step is a record of its own
  // (dmarc.psd_policy), never an edit of the operator's record.
  if (c.data.rfc9989.level == Level::kPublicSuffix) return;
  const std::string& d = c.data.domain;
  // For a subdomain living on an inherited sp=, the next step edits sp, never the parent's p.
  const std::string tag = c.bis.tag.empty() ? "p" : c.bis.tag;
  const std::string base = modern(with_tag(c.text, "t", ""));
  const bool trial = rec.testing && rec.pct_given && rec.pct == 0;
  auto step = [&](Policy to) {
    const std::string name(policy::dmarc::to_string(to));
    // A trial with t=y would also lower the parent's own p when the domain lives on its sp=.
    if (tag != "p") return txt_record(c.policy_owner, with_tag(base, tag, name));
    return fmt::format(
        "{}\nTo try it first: {}\n(RFC 9989 receivers apply one level less under t=y; RFC 7489 "
        "receivers ignore t but, with pct=0, also apply one level less: RFC 9989 Appendix A.6, "
        "RFC 7489 §6.6.4.)",
        txt_record(c.policy_owner, with_tag(base, tag, name)),
        with_tag(with_tag(with_tag(base, tag, name), "t", "y"), "pct", "0"));
  };
  if (*eff == Policy::kNone && !c.bis.testing) {
    c.add("dmarc.policy_none", d,
          "p=none: receivers only report; forged mail from the domain is delivered", {c.text},
          "When the aggregate reports show that all your own mail passes SPF or DKIM aligned, "
          "publish:\n" +
              step(Policy::kQuarantine),
          "rfc9989");
  } else if (*eff == Policy::kQuarantine && !c.bis.testing) {
    c.add("dmarc.policy_quarantine", d, "p=quarantine: failing mail goes to spam", {c.text},
          "The last step, once the reports stay clean and all your mail is DKIM-signed (with "
          "p=reject, SPF alone fails on forwarding; mailing-list posters may be affected, RFC "
          "9989 §7.4):\n" +
              step(Policy::kReject),
          "rfc9989");
  }
  judge_testing(c);
  if (rec.pct_given && rec.pct < 100 && !trial) {
    c.add("dmarc.pct_partial", d,
          fmt::format("pct={}: RFC 7489 receivers apply the policy to only {}% of failing mail; "
                      "RFC 9989 receivers ignore pct and apply it to all",
                      rec.pct, rec.pct),
          {c.text},
          "Remove pct (RFC 9989 removed it):\n" + txt_record(c.policy_owner, modern(c.text)),
          "rfc7489");
  }
  const bool own = c.data.rfc9989.level == Level::kAuthor;
  if (own && rec.p && rec.sp && strength(*rec.sp) < strength(*rec.p)) {
    c.add("dmarc.subdomain_policy_weaker", d,
          fmt::format("sp={} is weaker than p={}: forged mail from subdomains gets through",
                      policy::dmarc::to_string(*rec.sp), policy::dmarc::to_string(*rec.p)),
          {c.text}, txt_record(c.policy_owner, modern(with_tag(c.text, "sp", ""))), "both");
  }
  const auto sub = rec.sp ? rec.sp : rec.p;
  if (own && rec.np && sub && strength(*rec.np) < strength(*sub)) {
    c.add("dmarc.np_weaker", d,
          fmt::format("np={} is weaker than the policy for existing subdomains ({}): forged mail "
                      "from made-up subdomains gets through",
                      policy::dmarc::to_string(*rec.np), policy::dmarc::to_string(*sub)),
          {c.text}, txt_record(c.policy_owner, modern(with_tag(c.text, "np", ""))), "rfc9989");
  }
}

// ---- rules: reports ----------------------------------------------------------------------------

// §3.2.12, §3.2.13 (rua, ruf), RFC 9990 §3: where the reports go.
void judge_reports(Ctx& c) {
  const auto& rec = c.parsed.record;
  const std::string& d = c.data.domain;
  if (rec.rua.empty() && c.data.rfc9989.level != Level::kPublicSuffix) {
    c.add("dmarc.no_rua", d, "no rua: nobody receives the aggregate reports", {c.text},
          txt_record(c.policy_owner, modern(with_tag(c.text, "rua",
                                                     fmt::format("mailto:dmarc-reports@{}",
                                                                 c.data.rfc9989.policy_domain)))),
          "both");
  }
  for (const auto* list : {&rec.rua, &rec.ruf}) {
    for (const auto& u : *list) {
      if (u.valid && u.scheme != "mailto") {
        c.add("dmarc.uri_scheme", d,
              fmt::format("'{}': receivers are only required to send reports by mailto", u.uri),
              {c.text}, "", "both");
      }
    }
  }
  if (!rec.ruf.empty()) {
    c.add("dmarc.ruf_requested", d,
          "ruf asks for failure reports: few receivers send them, and they carry message content",
          {c.text}, "", "both");
  }
}

// RFC 9990 §4 (RFC 7489 §7.1): may reports go to a destination outside the Organizational
// Domain?
void judge_destination(Ctx& c, const DmarcDestination& dest) {
  const DestinationCheck check = check_destination(dest);
  const std::string& rules = check.rules;
  switch (check.authorization) {
    case Authorization::kNotNeeded:
    case Authorization::kAuthorized:
      break;
    case Authorization::kUndecidable:
      c.add("dmarc.external_check_failed", dest.host,
            fmt::format("whether {} is outside the domain's Organizational Domain could not be "
                        "decided: its DNS Tree Walk failed",
                        dest.host),
            {}, "", rules);
      break;
    case Authorization::kNameTooLong:
      c.add("dmarc.external_unauthorized", dest.host,
            fmt::format("the authorization name for {} is {} octets, beyond the DNS limit of 253, "
                        "so no receiver can confirm it and none sends reports there",
                        dest.uri, dest.name.size()),
            {dest.name},
            "Use a report address on a shorter host name, or publish the policy at a shorter "
            "domain (RFC 9990 §4 step 4).",
            rules);
      break;
    case Authorization::kNotChecked:
      c.add("dmarc.external_check_failed", dest.host,
            fmt::format("whether {} accepts reports for the domain could not be checked ({})",
                        dest.host, dest.txt ? dest.txt->describe() : "not looked up"),
            dest.txt ? dest.txt->evidence_lines() : std::vector<std::string>{}, "", rules);
      break;
    case Authorization::kUnauthorized:
      c.add("dmarc.external_unauthorized", dest.host,
            fmt::format("reports to {} are not authorised by {}, so {} will not send them",
                        dest.uri, dest.host,
                        rules == "both"      ? "receivers"
                        : rules == "rfc9990" ? "RFC 9989 receivers"
                                             : "RFC 7489 receivers"),
            dest.txt->evidence_lines(),
            fmt::format("The operator of {} publishes:\n{}", dest.host,
                        txt_record(dest.name, "v=DMARC1")),
            rules);
      break;
  }
  // RFC 9990 §4 step 9 (RFC 7489 §7.1): an override rua in the authorization record must keep
  // the destination host, or no report goes to either address.
  if (check.authorization == Authorization::kAuthorized && !check.elsewhere.empty()) {
    c.add("dmarc.external_override_invalid", dest.host,
          fmt::format("{} authorises the reports but redirects them to {}, another host, so "
                      "receivers send them to neither",
                      dest.host, fmt::join(check.elsewhere, ", ")),
          dest.txt->evidence_lines(),
          fmt::format("The operator of {} publishes an override on its own host only, e.g.\n{}",
                      dest.host, txt_record(dest.name, "v=DMARC1")),
          rules);
  }
}

nlohmann::json ruleset_json(const DmarcData& data, RuleSet rules) {
  const Discovery& d = data.discovery(rules);
  const Applied a = data.applied(rules);
  nlohmann::json j{{"outcome", policy::dmarc::to_string(d.outcome)},
                   {"organizational_domain", d.org_domain},
                   {"organizational_domain_known", d.org_known},
                   {"organizational_basis", d.org_basis},
                   {"queried", d.queried},
                   {"policy", a.policy ? nlohmann::json(policy::dmarc::to_string(*a.policy))
                                       : nlohmann::json(nullptr)}};
  if (d.outcome == Outcome::kRecord) {
    j["policy_domain"] = d.policy_domain;
    j["record"] = d.record;
    j["level"] = policy::dmarc::to_string(d.level);
    j["policy_tag"] = a.tag;
  }
  if (rules == kBis) j["testing"] = a.testing;
  if (rules == kOld) {
    j["pct"] = a.pct;
    j["psl"] = data.psl_source;
  }
  if (d.outcome == Outcome::kFailed) j["failed"] = {{"name", d.failed_name}, {"reason", d.failure}};
  return j;
}

}  // namespace

// ---- DmarcData
// ------------------------------------------------------------------------------------

std::vector<std::string> dmarc_records(const Answer& txt) {
  std::vector<std::string> out;
  for (const auto& r : txt.records) {
    std::string s = r.txt();
    if (policy::dmarc::is_dmarc_record(s)) out.push_back(std::move(s));
  }
  return out;
}

policy::dmarc::Lookup DmarcData::lookup() const {
  return [this](std::string_view name) -> const policy::dmarc::TxtLookup* {
    if (auto it = cache_.find(name); it != cache_.end()) return &it->second;
    const auto a = txt.find(name);
    if (a == txt.end()) return nullptr;
    policy::dmarc::TxtLookup t;
    t.ok = a->second.is_answer();
    if (!t.ok) t.failure = a->second.describe();
    for (const auto& rec : a->second.records) t.records.push_back(rec.txt());
    return &cache_.emplace(std::string(name), std::move(t)).first->second;
  };
}

bool DmarcData::author_exists() const {
  return !existence || existence->outcome != dns::Outcome::kNxDomain;
}

Applied DmarcData::applied(RuleSet rules) const {
  return policy::dmarc::apply(discovery(rules), domain, author_exists());
}

asio::awaitable<DmarcData> collect_dmarc(dns::Resolver& resolver, const DomainName& domain,
                                         std::chrono::steady_clock::time_point audit_start) {
  DmarcData d;
  d.domain = domain.str();
  d.org_domain = organizational_domain(d.domain);
  d.psl_source = psl_source();
  // Round 1: every name either kind of receiver may ask, at once (a receiver stops early; asking
  // the rest costs a few cached queries and saves a round trip per label).
  std::vector<std::string> names = walk_from(d.domain);
  names.push_back(d.org_domain);
  co_await ask(resolver, d, std::move(names));
  d.rfc9989 = policy::dmarc::discover(kBis, d.domain, d.org_domain, d.lookup());
  d.rfc7489 = policy::dmarc::discover(kOld, d.domain, d.org_domain, d.lookup());

  // Round 2: report hosts (their tree walks and authorization records), and whether the domain
  // exists when an inherited np= could apply.
  d.destinations = destinations_of(d);
  std::vector<std::string> walks;
  for (const auto& dest : d.destinations) {
    for (auto& n : walk_from(dest.host)) walks.push_back(std::move(n));
  }
  std::vector<asio::awaitable<Answer>> extra;
  std::vector<DmarcDestination*> asked;
  // Every destination's authorization record is asked in the same round: whether it is needed
  // depends on the Organizational Domains the walks are still finding (even a report host equal
  // to the policy domain is external when the policy came from a public suffix, RFC 9990 §4).
  for (auto& dest : d.destinations) {
    // RFC 9990 §4 step 4: a name beyond DNS limits cannot authorise anything; not asked.
    if (dest.name.size() > 253) continue;
    extra.push_back(resolver.query(dest.name, dns::rrtype::kTxt));
    asked.push_back(&dest);
  }
  const bool np_matters =
      d.inherited() && policy::dmarc::parse_dmarc(d.rfc9989.record).record.np.has_value();
  if (np_matters) extra.push_back(resolver.query(d.domain, dns::rrtype::kA));
  auto answers = co_await (ask(resolver, d, std::move(walks)) && when_all(std::move(extra)));
  for (std::size_t i = 0; i < asked.size(); ++i) asked[i]->txt = std::move(answers[i]);
  if (np_matters) d.existence = std::move(answers.back());

  const std::string policy_org_old = organizational_domain(d.rfc7489.policy_domain);
  for (auto& dest : d.destinations) {
    // RFC 7489 §7.1: PSL Organizational Domains of the policy domain and the host.
    dest.external_7489 = organizational_domain(dest.host) != policy_org_old;
    // RFC 9990 §4: the Organizational Domain where the record was found against the host's,
    // both by the DNS Tree Walk.
    const auto org = policy::dmarc::organizational_domain_9989(dest.host, d.lookup());
    dest.host_org_9989 = org.domain;
    dest.org_known_9989 = org.known;
    dest.external_9989 = org.domain != d.rfc9989.org_domain;
  }
  d.elapsed_ms = elapsed_ms(audit_start);
  co_return d;
}

std::optional<Policy> effective_policy(const DmarcData& data, int* pct) {
  const Applied bis = data.applied(kBis);
  const Applied old = data.applied(kOld);
  if (pct) *pct = old.policy ? old.pct : 100;
  return policy::dmarc::weaker(bis.policy, old.policy);
}

DestinationCheck check_destination(const DmarcDestination& dest) {
  DestinationCheck c;
  const bool need_bis = dest.for_9989 && dest.external_9989;
  const bool need_old = dest.for_7489 && dest.external_7489;
  if (!need_bis && !need_old) return c;
  c.rules = need_bis && need_old ? "both" : need_bis ? "rfc9990" : "rfc7489";
  if (need_bis && !need_old && !dest.org_known_9989) {
    c.authorization = Authorization::kUndecidable;
  } else if (dest.name.size() > 253) {
    c.authorization = Authorization::kNameTooLong;
  } else if (!dest.txt || !dest.txt->is_answer()) {
    c.authorization = Authorization::kNotChecked;
  } else {
    const auto records = dmarc_records(*dest.txt);
    c.authorization = records.empty() ? Authorization::kUnauthorized : Authorization::kAuthorized;
    for (const auto& auth : records) {
      for (const auto& u : policy::dmarc::parse_dmarc(auth).record.rua) {
        if (u.valid && !u.host.empty() && u.host != dest.host) c.elsewhere.push_back(u.uri);
      }
    }
  }
  return c;
}

bool DmarcData::policy_applies() const {
  const bool failed = rfc9989.outcome == Outcome::kFailed || rfc7489.outcome == Outcome::kFailed;
  const bool bis_stuck = !rfc9989.multiple.empty() && rfc9989.outcome != Outcome::kRecord;
  return !failed && !bis_stuck && rfc7489.outcome != Outcome::kMultiple &&
         rfc9989.outcome == Outcome::kRecord;
}

namespace {

// ---- rules: no policy to judge --------------------------------------------------------------

std::string starter(const DmarcData& data) {
  return fmt::format("v=DMARC1; p=none; rua=mailto:dmarc-reports@{}", data.domain);
}

// §4.10: a failed lookup leaves the receiver without a policy for now.
bool lookup_failed(const DmarcData& data, Evaluation& ev) {
  for (const RuleSet rules : {kBis, kOld}) {
    const Discovery& x = data.discovery(rules);
    if (x.outcome != Outcome::kFailed) continue;
    const auto it = data.txt.find(x.failed_name.substr(7));  // "_dmarc." prefix
    ev.state = AreaState::kUndetermined;
    ev.add("dmarc.lookup_failed", x.failed_name,
           fmt::format("the DMARC lookup of {} failed ({} receivers cannot find the policy)",
                       x.failed_name, rules_label(rules)),
           it != data.txt.end() ? it->second.evidence_lines() : std::vector<std::string>{},
           "Make the name servers answer TXT queries for the _dmarc name (and DNSSEC validate).")
        .rule_set = to_string(rules);
    return true;
  }
  return false;
}

// Several records where a receiver needs one: RFC 7489 receivers stop there (no DMARC); RFC 9989
// receivers discard them and walk on. Duplicates further up that only the RFC 9989 walk meets
// (after the policy was found) do not change the policy applied.
bool multiple(const DmarcData& data, Evaluation& ev) {
  const Discovery& bis = data.rfc9989;
  const Discovery& old = data.rfc7489;
  const bool bis_stuck = !bis.multiple.empty() && bis.outcome != Outcome::kRecord;
  if (!bis_stuck && old.outcome != Outcome::kMultiple) return false;
  const std::string at =
      old.outcome == Outcome::kMultiple ? old.policy_domain : bis.multiple.front();
  const auto recs = dmarc_records(data.txt.at(at));
  ev.add("dmarc.multiple_records", at,
         fmt::format("{} DMARC records at _dmarc.{}: RFC 7489 receivers apply no DMARC, RFC 9989 "
                     "receivers discard them and {}",
                     recs.size(), at,
                     bis.outcome == Outcome::kRecord
                         ? fmt::format("apply _dmarc.{}'s record", bis.policy_domain)
                         : std::string("find no policy")),
         recs, "Keep exactly one record at _dmarc." + at + ".")
      .rule_set = "both";
  return true;
}

// §4.7: a TXT record that does not start with v=DMARC1 is not a DMARC record; without one
// anywhere on the walk, no policy applies.
bool no_policy(const DmarcData& data, Evaluation& ev) {
  if (data.rfc9989.outcome == Outcome::kRecord) return false;
  const std::string& d = data.domain;
  // Something at _dmarc that is almost DMARC (v= not first, "dmarc1") is a broken record.
  std::vector<std::string> near;
  for (const auto& rec : data.txt.at(d).records) {
    std::string s = rec.txt();
    if (policy::text::to_lower(s).find("dmarc1") != std::string::npos) near.push_back(s);
  }
  if (!near.empty()) {
    ev.add("dmarc.invalid_record", d,
           "the TXT record at _dmarc does not start with v=DMARC1, so receivers ignore it", near,
           "Publish it with v=DMARC1 (upper case) as the first tag, p right after it, e.g.\n" +
               txt_record("_dmarc." + d, starter(data)))
        .rule_set = "both";
    return true;
  }
  ev.state = AreaState::kNotDeployed;
  ev.add("dmarc.none", d,
         data.rfc9989.org_domain != d || data.rfc7489.org_domain != d
             ? fmt::format("neither {} nor a parent domain publishes a DMARC policy", d)
             : fmt::format("{} publishes no DMARC policy", d),
         {},
         "Start monitoring (a mailbox you read receives the aggregate reports):\n" +
             txt_record("_dmarc." + d, starter(data)) +
             "\nthen move to p=quarantine and p=reject once the reports show only your own "
             "services sending as the domain.")
      .rule_set = "both";
  return true;
}

nlohmann::json destinations_json(const DmarcData& data) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& dest : data.destinations) {
    const DestinationCheck check = check_destination(dest);
    if (check.authorization == Authorization::kNotNeeded) continue;
    nlohmann::json j{{"host", dest.host},
                     {"name", dest.name},
                     {"external",
                      {{"rfc9989", dest.for_9989 ? nlohmann::json(dest.external_9989) : nullptr},
                       {"rfc7489", dest.for_7489 ? nlohmann::json(dest.external_7489) : nullptr}}},
                     {"authorized", nullptr}};
    if (check.authorization == Authorization::kNameTooLong) j["authorized"] = false;
    if (check.authorization == Authorization::kAuthorized) j["authorized"] = true;
    if (check.authorization == Authorization::kUnauthorized) j["authorized"] = false;
    out.push_back(std::move(j));
  }
  return out;
}

std::string summary(const DmarcData& data, const Evaluation& ev) {
  const Status status = status_from(ev.findings, ev.state);
  if (status == Status::kError) return "the DMARC lookup failed";
  if (status == Status::kNone) return "no DMARC policy";
  if (ev.has("dmarc.multiple_records")) return "several DMARC records";
  if (ev.has("dmarc.invalid_record")) return "the DMARC record is not recognised";
  if (status == Status::kFail) return "the DMARC record is invalid";
  return "DMARC " + policy_text(data.applied(kBis).policy);
}

// policy_view - the facts and details of the policy that applies.
void policy_view(const DmarcData& data, AreaView& v) {
  const Discovery& bis = data.rfc9989;
  const auto parsed = policy::dmarc::parse_dmarc(bis.record);
  const Applied applied = data.applied(kBis);
  v.details["record"] = bis.record;
  v.facts.push_back({"record", bis.record});
  if (bis.org_domain != data.domain) {
    v.facts.push_back(
        {"organizational domain", fmt::format("{} ({})", bis.org_domain, bis.org_basis)});
  }
  v.facts.push_back({"RFC 9989 receivers", view_line(data, kBis)});
  v.facts.push_back({"RFC 7489 receivers", view_line(data, kOld)});
  if (applied.policy) {
    v.details["policy"] = policy::dmarc::to_string(*applied.policy);
    v.facts.push_back({"policy", policy_text(applied.policy)});
  }
  const auto& rec = parsed.record;
  v.facts.push_back({"alignment", describe_alignment(rec.adkim, "DKIM", bis.org_domain) + "; " +
                                      describe_alignment(rec.aspf, "SPF", bis.org_domain)});
  v.details["adkim"] = std::string(1, rec.adkim);
  v.details["aspf"] = std::string(1, rec.aspf);
  v.details["pct"] = rec.pct;
  nlohmann::json rua = nlohmann::json::array();
  std::vector<std::string> rua_text;
  for (const auto& u : rec.rua) {
    rua.push_back({{"uri", u.uri}, {"valid", u.valid}});
    rua_text.push_back(u.uri);
  }
  v.details["rua"] = rua;
  if (!rua_text.empty()) {
    v.facts.push_back({"aggregate reports to", fmt::format("{}", fmt::join(rua_text, ", "))});
  }
  v.details["external_destinations"] = destinations_json(data);
}

}  // namespace

Evaluation evaluate_dmarc(const DmarcData& data) {
  Evaluation ev;
  if (lookup_failed(data, ev) || multiple(data, ev) || no_policy(data, ev)) return ev;
  const Discovery& bis = data.rfc9989;
  Ctx c{data,
        ev,
        "_dmarc." + data.domain,
        "_dmarc." + bis.policy_domain,
        bis.record,
        policy::dmarc::parse_dmarc(bis.record),
        data.applied(kBis),
        data.applied(kOld)};
  judge_syntax(c);
  judge_source(c);
  judge_strength(c);
  judge_reports(c);
  for (const auto& dest : data.destinations) judge_destination(c, dest);
  return ev;
}

AreaView dmarc_view(const DmarcData& data, const Evaluation& ev) {
  AreaView v;
  v.summary = summary(data, ev);
  v.details = {
      {"domain", data.domain},
      {"organizational_domain", data.rfc9989.org_domain},
      {"psl", data.psl_source},
      {"inherited", data.inherited()},
      {"rulesets", {{"rfc9989", ruleset_json(data, kBis)}, {"rfc7489", ruleset_json(data, kOld)}}}};
  if (data.policy_applies()) policy_view(data, v);
  return v;
}

AreaReport dmarc_report(const DmarcData& data) {
  const Evaluation ev = evaluate_dmarc(data);
  return area_report(Area::kDmarc, ev, dmarc_view(data, ev), data.elapsed_ms);
}

}  // namespace mc::checks
