// spf.cpp - see spf.hpp. Section numbers are RFC 7208.
#include "checks/spf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <set>

#include "core/clock.hpp"
#include "core/findings.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"

namespace mc::checks {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using dns::Answer;
using dns::Outcome;
using policy::spf::Directive;
using policy::spf::Mechanism;
using policy::spf::Qualifier;

constexpr std::uint16_t kTypeSpf = 99;
constexpr std::size_t kMaxTxtAnswer = 450;  // §3.4: keep the answer within a 512-octet UDP reply

bool is_void(Outcome o) { return o == Outcome::kNxDomain || o == Outcome::kNoData; }

bool has_macro(const std::string& spec) { return spec.find('%') != std::string::npos; }

// resolve_addresses - A and AAAA of name at once; failed if either lookup failed.
asio::awaitable<SpfTermLookup> resolve_addresses(dns::Resolver& resolver, std::string name) {
  auto [a, aaaa] =
      co_await (resolver.query(name, dns::rrtype::kA) && resolver.query(name, dns::rrtype::kAaaa));
  SpfTermLookup t;
  t.target = name;
  t.lookup_failed = !a.is_answer() || !aaaa.is_answer();
  t.addresses = a.addresses();
  for (auto& x : aaaa.addresses()) t.addresses.push_back(std::move(x));
  t.outcome = !t.addresses.empty()              ? Outcome::kData
              : a.outcome == Outcome::kNxDomain ? Outcome::kNxDomain
              : !a.is_answer()                  ? a.outcome
              : !aaaa.is_answer()               ? aaaa.outcome
                                                : Outcome::kNoData;
  co_return t;
}

// resolve_term - the static resolution of one a, mx or exists term with a macro-free target.
asio::awaitable<SpfTermLookup> resolve_term(dns::Resolver& resolver, Directive d,
                                            std::string domain) {
  const std::string target = d.domain_spec.empty() ? domain : canonical_name(d.domain_spec);
  SpfTermLookup t;
  switch (d.mechanism) {
    case Mechanism::kA:
      t = co_await resolve_addresses(resolver, target);
      break;
    case Mechanism::kExists: {
      Answer a = co_await resolver.query(target, dns::rrtype::kA);
      t.outcome = a.outcome;
      t.lookup_failed = !a.is_answer();
      break;
    }
    case Mechanism::kMx: {
      Answer mx = co_await resolver.query(target, dns::rrtype::kMx);
      t.outcome = mx.outcome;
      t.lookup_failed = !mx.is_answer();
      std::vector<asio::awaitable<SpfTermLookup>> hosts;
      for (const auto& r : mx.records) {
        const dns::MxRdata* rdata = r.mx();
        if (rdata == nullptr || rdata->exchange == ".") continue;
        ++t.mx_names;
        // §4.6.4: a receiver looks up at most 10; more is a permerror, reported from the count.
        if (hosts.size() < 10) hosts.push_back(resolve_addresses(resolver, rdata->exchange));
      }
      for (auto& h : co_await when_all(std::move(hosts))) {
        t.lookup_failed = t.lookup_failed || h.lookup_failed;
        for (auto& x : h.addresses) t.addresses.push_back(std::move(x));
      }
      break;
    }
    default:
      break;
  }
  t.term = d.text;
  t.mechanism = d.mechanism;
  t.target = target;
  co_return t;
}

// fill_node - select and parse the node's record and resolve its terms.
asio::awaitable<void> fill_node(dns::Resolver& resolver, SpfNode& node) {
  for (const auto& r : node.txt.records) {
    std::string joined;
    for (const auto& s : r.strings) {
      joined += s;
      node.txt_octets += s.size() + 1;
    }
    if (policy::spf::is_spf_record(joined)) node.records.push_back(std::move(joined));
  }
  if (node.records.size() != 1) co_return;
  node.parsed = policy::spf::parse_record(node.records.front());
  if (!node.parsed->ok()) co_return;
  const auto& rec = node.parsed->record;
  std::vector<asio::awaitable<SpfTermLookup>> lookups;
  for (const auto& d : rec.directives) {
    if (d.mechanism == Mechanism::kAll) break;  // §5.1: terms after all are never evaluated
    if (d.counts_lookup()) ++node.own_terms;
    const bool resolvable = d.mechanism == Mechanism::kA || d.mechanism == Mechanism::kMx ||
                            d.mechanism == Mechanism::kExists;
    if (resolvable && !has_macro(d.domain_spec)) {
      lookups.push_back(resolve_term(resolver, d, node.domain));
    }
  }
  if (rec.redirect && !rec.has_all()) ++node.own_terms;  // §6.1: ignored when "all" is present
  node.lookups = co_await when_all(std::move(lookups));
}

asio::awaitable<SpfNode> fetch_node(dns::Resolver& resolver, SpfNode node) {
  node.txt = co_await resolver.query(node.domain, dns::rrtype::kTxt);
  co_await fill_node(resolver, node);
  co_return node;
}

bool on_path(const std::vector<SpfNode>& nodes, int index, const std::string& domain) {
  for (int i = index; i >= 0; i = nodes[i].parent) {
    if (nodes[i].domain == domain) return true;
  }
  return false;
}

// ---- evaluation helpers -----------------------------------------------------------------------

const Directive* find_all(const policy::spf::Record& r) {
  for (const auto& d : r.directives) {
    if (d.mechanism == Mechanism::kAll) return &d;
  }
  return nullptr;
}

struct Flat {
  std::vector<std::string> terms;
  int lookups = 0;
};

std::string address_term(const std::string& addr, const Directive& d) {
  const bool v6 = addr.find(':') != std::string::npos;
  const int cidr = v6 ? d.cidr6 : d.cidr4;
  std::string t = fmt::format("{}:{}", v6 ? "ip6" : "ip4", addr);
  if (cidr != (v6 ? 128 : 32)) t += fmt::format("/{}", cidr);
  return t;
}

// flatten - the pass-terms of node as ip4/ip6 terms, following includes; nullopt when that would
// change the meaning (a non-pass term, a macro or an exists/ptr term inside an include).
std::optional<Flat> flatten(const SpfData& data, int index, bool root) {
  const SpfNode& node = data.nodes[index];
  if (!node.parsed || !node.parsed->ok() || node.loop) return std::nullopt;
  const auto& rec = node.parsed->record;
  // An included +all matches everyone; dropping it would change what the record means.
  if (const Directive* all = find_all(rec); !root && all && all->qualifier == Qualifier::kPass) {
    return std::nullopt;
  }
  Flat out;
  std::size_t child = 0;
  std::size_t lookup = 0;
  auto child_for = [&](const std::string& text) -> int {
    for (; child < node.children.size(); ++child) {
      const int c = node.children[child];
      if (data.nodes[c].via == text) return c;
    }
    return -1;
  };
  for (const auto& d : rec.directives) {
    if (d.mechanism == Mechanism::kAll) break;
    const bool resolvable = d.mechanism == Mechanism::kA || d.mechanism == Mechanism::kMx ||
                            d.mechanism == Mechanism::kExists;
    const SpfTermLookup* l = nullptr;
    if (resolvable && !has_macro(d.domain_spec) && lookup < node.lookups.size()) {
      l = &node.lookups[lookup++];
    }
    if (d.qualifier != Qualifier::kPass) {
      if (!root) return std::nullopt;
      out.terms.push_back(d.text);
      if (d.counts_lookup()) ++out.lookups;
      continue;
    }
    switch (d.mechanism) {
      case Mechanism::kIp4:
      case Mechanism::kIp6:
        out.terms.push_back(d.text[0] == '+' ? d.text.substr(1) : d.text);
        break;
      case Mechanism::kA:
      case Mechanism::kMx:
        if (!l || l->lookup_failed) return std::nullopt;
        for (const auto& a : l->addresses) out.terms.push_back(address_term(a, d));
        break;
      case Mechanism::kInclude: {
        const int c = has_macro(d.domain_spec) ? -1 : child_for(d.text);
        auto sub = c < 0 ? std::nullopt : flatten(data, c, false);
        if (!sub) return std::nullopt;
        for (auto& t : sub->terms) out.terms.push_back(std::move(t));
        out.lookups += sub->lookups;
        break;
      }
      default:  // exists, ptr, or a macro: kept as written where that is still correct
        if (!root) return std::nullopt;
        out.terms.push_back(d.text);
        ++out.lookups;
    }
  }
  if (rec.redirect && !rec.has_all()) {
    if (!root) return std::nullopt;
    const int c = child_for(fmt::format("redirect={}", rec.redirect->value));
    auto sub = c < 0 ? std::nullopt : flatten(data, c, true);
    if (!sub) return std::nullopt;
    for (auto& t : sub->terms) out.terms.push_back(std::move(t));
    out.lookups += sub->lookups;
  }
  return out;
}

// child_via - the node reached from node through the term written as via, or -1.
int child_via(const SpfData& data, const SpfNode& node, const std::string& via) {
  for (int c : node.children) {
    if (data.nodes[c].via == via) return c;
  }
  return -1;
}

// passes_everyone - the pass-qualified term through which the record at index authorises every
// address (§5.1 +all, an ip4/ip6 or a/mx prefix of 0, or an include or redirect that leads to one),
// reached before anything ends the evaluation; nullopt if there is none.
std::optional<std::string> passes_everyone(const SpfData& data, int index, int depth = 0) {
  const SpfNode& node = data.nodes[index];
  if (depth > 10 || !node.parsed || !node.parsed->ok() || node.loop) return std::nullopt;
  const auto& rec = node.parsed->record;
  for (const auto& d : rec.directives) {
    if (d.qualifier != Qualifier::kPass) {
      if (d.mechanism == Mechanism::kAll) return std::nullopt;
      continue;
    }
    switch (d.mechanism) {
      case Mechanism::kAll:
        return d.text;
      case Mechanism::kIp4:
        if (d.cidr4 == 0) return d.text;
        break;
      case Mechanism::kIp6:
        if (d.cidr6 == 0) return d.text;
        break;
      case Mechanism::kA:
      case Mechanism::kMx:
        if (d.cidr4 == 0 || d.cidr6 == 0) return d.text;
        break;
      case Mechanism::kInclude: {
        const int c = child_via(data, node, d.text);
        if (c < 0) break;
        if (auto inner = passes_everyone(data, c, depth + 1)) {
          return fmt::format("{} (whose record has {})", d.text, *inner);
        }
        break;
      }
      default:
        break;
    }
  }
  if (rec.redirect && !rec.has_all()) {
    const int c = child_via(data, node, fmt::format("redirect={}", rec.redirect->value));
    if (c >= 0) {
      if (auto inner = passes_everyone(data, c, depth + 1)) {
        return fmt::format("{} (whose record has {})", rec.redirect->text, *inner);
      }
    }
  }
  return std::nullopt;
}

// final_all - the "all" term evaluation ends with: the root's, or its redirect target's.
std::string final_all(const SpfData& data) {
  int i = 0;
  for (int hops = 0; hops < 10 && i >= 0; ++hops) {
    const auto& n = data.nodes[i];
    if (!n.parsed || !n.parsed->ok()) break;
    if (const Directive* all = find_all(n.parsed->record)) return all->text;
    if (!n.parsed->record.redirect) break;
    const std::string via = fmt::format("redirect={}", n.parsed->record.redirect->value);
    int next = -1;
    for (int c : n.children) {
      if (data.nodes[c].via == via) next = c;
    }
    i = next;
  }
  return "~all";
}

std::string describe_lookup_failure(const SpfNode& n) {
  return fmt::format("{} TXT lookup: {}", n.domain, n.txt.describe());
}

}  // namespace

std::string txt_record(const std::string& owner, const std::string& text, int ttl) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t len = std::min<std::size_t>(255, text.size() - start);
    if (start + len < text.size()) {
      // Split before a space, so the next piece starts with it (§3.3: no space is added).
      const std::size_t sp = text.rfind(' ', start + len);
      if (sp != std::string::npos && sp > start) len = sp - start;
    }
    pieces.push_back(text.substr(start, len));
    start += len;
  }
  std::string out = fmt::format("{}. {} IN TXT", owner, ttl);
  for (const auto& p : pieces) {
    std::string quoted;
    for (unsigned char c : p) {
      // RFC 1035 §5.1: \" and \\ for the quote and backslash, \DDD for anything not printable,
      // so text taken from DNS can never break the line or add one.
      if (c == '"' || c == '\\') {
        quoted += '\\';
        quoted += static_cast<char>(c);
      } else if (c < 0x20 || c > 0x7e) {
        quoted += fmt::format("\\{:03d}", c);
      } else {
        quoted += static_cast<char>(c);
      }
    }
    out += fmt::format(" \"{}\"", quoted);
  }
  return out;
}

asio::awaitable<SpfData> collect_spf(dns::Resolver& resolver, const DomainName& domain,
                                     std::chrono::steady_clock::time_point audit_start) {
  SpfData data;
  data.domain = domain.str();
  SpfNode root;
  root.domain = domain.str();
  auto [txt, type99] = co_await (resolver.query(domain.str(), dns::rrtype::kTxt) &&
                                 resolver.query(domain.str(), kTypeSpf));
  root.txt = std::move(txt);
  data.spf_type = std::move(type99);
  co_await fill_node(resolver, root);
  data.nodes.push_back(std::move(root));

  // Breadth-first over include and redirect targets; one level's lookups at once.
  std::size_t level_start = 0;
  while (level_start < data.nodes.size()) {
    const std::size_t level_end = data.nodes.size();
    std::vector<asio::awaitable<SpfNode>> fetches;
    std::vector<int> fetched_index;
    for (std::size_t i = level_start; i < level_end; ++i) {
      if (!data.nodes[i].parsed || !data.nodes[i].parsed->ok() || data.nodes[i].loop) continue;
      const auto& rec = data.nodes[i].parsed->record;
      std::vector<std::pair<std::string, std::string>> targets;  // via, domain
      for (const auto& d : rec.directives) {
        if (d.mechanism == Mechanism::kAll) break;
        if (d.mechanism == Mechanism::kInclude && !has_macro(d.domain_spec)) {
          targets.emplace_back(d.text, canonical_name(d.domain_spec));
        }
      }
      if (rec.redirect && !rec.has_all() && !has_macro(rec.redirect->value)) {
        targets.emplace_back(fmt::format("redirect={}", rec.redirect->value),
                             canonical_name(rec.redirect->value));
      }
      for (auto& [via, target] : targets) {
        if (data.nodes.size() >= kMaxSpfNodes) {
          data.truncated = true;
          break;
        }
        SpfNode child;
        child.domain = target;
        child.depth = data.nodes[i].depth + 1;
        child.parent = static_cast<int>(i);
        child.via = via;
        child.loop = on_path(data.nodes, static_cast<int>(i), target);
        const int index = static_cast<int>(data.nodes.size());
        data.nodes[i].children.push_back(index);
        if (!child.loop) {
          fetches.push_back(fetch_node(resolver, child));
          fetched_index.push_back(index);
        }
        data.nodes.push_back(std::move(child));
      }
    }
    auto fetched = co_await when_all(std::move(fetches));
    for (std::size_t k = 0; k < fetched.size(); ++k) {
      data.nodes[fetched_index[k]] = std::move(fetched[k]);
    }
    level_start = level_end;
  }
  // Worst-case lookup terms, leaves first (children always come after their parent).
  for (std::size_t i = data.nodes.size(); i-- > 0;) {
    auto& n = data.nodes[i];
    n.total_terms = n.own_terms;
    for (int c : n.children) n.total_terms += data.nodes[c].total_terms;
  }
  data.elapsed_ms = elapsed_ms(audit_start);
  co_return data;
}

asio::awaitable<std::vector<MxAuthorisation>> authorise_mx(dns::Resolver& resolver,
                                                           const MxData& mx,
                                                           const DomainName& domain) {
  std::vector<MxAuthorisation> out;
  std::vector<asio::awaitable<spf::Evaluation>> evals;
  spf::Lookup lookup = [&resolver](std::string name, std::uint16_t type) {
    return resolver.query(std::move(name), type);
  };
  for (const auto& h : mx.hosts) {
    std::vector<std::string> addrs = h.ipv4();
    for (auto& a : h.ipv6()) addrs.push_back(std::move(a));
    for (const auto& a : addrs) {
      auto ip = policy::spf::parse_ip(a);
      if (!ip || out.size() >= 16) continue;
      spf::EvalInput in;
      in.ip = *ip;
      in.domain = domain.str();
      in.sender = "postmaster@" + domain.str();
      in.helo = h.name;
      evals.push_back(spf::check_host(lookup, in));
      out.push_back({h.name, a, spf::SpfResult::kNone, {}});
    }
  }
  auto results = co_await when_all(std::move(evals));
  for (std::size_t i = 0; i < results.size(); ++i) {
    out[i].result = results[i].result;
    out[i].reason = results[i].reason;
  }
  co_return out;
}

AreaReport evaluate_spf(const SpfData& data, const std::vector<MxAuthorisation>& mx_auth,
                        const MxData& mx, std::optional<policy::dmarc::Policy> dmarc_policy) {
  AreaReport r;
  r.area = Area::kSpf;
  r.elapsed_ms = data.elapsed_ms;
  const SpfNode& root = data.nodes.front();
  const std::string& d = data.domain;
  nlohmann::json details;
  details["domain"] = d;
  details["records"] = root.records;
  details["type99_published"] = data.spf_type.has_data();
  bool failed = false, warned = false;

  if (data.spf_type.has_data()) {
    add_finding(
        r, "spf.type99_record", d,
        "the domain still publishes the obsolete SPF (type 99) record type",
        data.spf_type.evidence_lines(),
        "Remove the type-99 SPF record; receivers read only the TXT record (RFC 7208 §14.1).");
  }

  if (!root.txt.is_answer()) {
    r.status = Status::kError;
    r.summary = "the SPF (TXT) lookup failed";
    add_finding(
        r, "spf.lookup_failed", d, describe_lookup_failure(root), root.txt.evidence_lines(),
        "Make the domain's name servers answer TXT queries (and its DNSSEC validate); until then "
        "receivers get temperror and may defer mail.");
    r.details = details;
    return r;
  }
  const bool null_mx = !mx.entries.empty() && mx.hosts.empty() &&
                       std::all_of(mx.entries.begin(), mx.entries.end(),
                                   [](const MxEntry& e) { return e.exchange == "."; });
  if (root.records.empty()) {
    r.status = Status::kNone;
    r.summary = "no SPF record";
    const std::string fix =
        null_mx ? txt_record(d, "v=spf1 -all") +
                      "\n(The domain sends no mail: RFC 7505 §4.2 with RFC 7208.)"
                : txt_record(d, "v=spf1 mx -all") +
                      "\nif only the domain's MX hosts send its mail; add include: or ip4:/ip6: "
                      "terms for every other service that sends as the domain (and use ~all "
                      "until you are sure the list is complete).";
    add_finding(r, "spf.none", d, "the domain publishes no SPF record, so anyone may send as it",
                root.txt.evidence_lines(), "Publish:\n" + fix);
    r.details = details;
    return r;
  }
  details["record"] = root.records.front();
  r.facts.push_back({"record", root.records.front()});
  if (root.records.size() > 1) {
    failed = true;
    std::vector<std::string> ev;
    std::string merged = "v=spf1";
    std::set<std::string> seen;
    // The strictest all any of them ends with, never +all or ?all; a redirect= cannot simply be
    // merged, so then no record is offered.
    std::string all = "~all";
    bool redirect = false;
    // DNS gives an RRset in no particular order: merge in sorted order, so advice is stable.
    std::vector<std::string> sorted = root.records;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& rec : sorted) {
      ev.push_back(rec);
      auto p = policy::spf::parse_record(rec);
      redirect = redirect || p.record.redirect.has_value();
      for (const auto& dir : p.record.directives) {
        if (dir.mechanism == Mechanism::kAll) {
          if (dir.qualifier == Qualifier::kFail) all = "-all";
          break;
        }
        if (seen.insert(dir.text).second) merged += " " + dir.text;
      }
    }
    add_finding(r, "spf.multiple_records", d,
                fmt::format("{} SPF records: receivers return permerror and ignore SPF",
                            root.records.size()),
                ev,
                redirect
                    ? std::string("Merge them into one record by hand (one uses redirect=, which "
                                  "cannot simply be combined).")
                    : "Replace them with one record, e.g.\n" + txt_record(d, merged + " " + all));
  } else if (!root.parsed->ok()) {
    failed = true;
    std::vector<std::string> ev{root.records.front()};
    for (const auto& e : root.parsed->errors) {
      ev.push_back(fmt::format("offset {}: {}", e.pos, e.message));
    }
    std::string fix =
        "Correct the terms listed (RFC 7208 §12 grammar); one error voids the whole "
        "record.";
    // A record split into several strings is joined with nothing in between (§3.3): a split
    // without its own space glues two terms together, a common cause of these errors.
    for (const auto& rec : root.txt.records) {
      if (rec.txt() != root.records.front() || rec.strings.size() < 2) continue;
      std::string pieces;
      for (const auto& piece : rec.strings) pieces += fmt::format(" \"{}\"", piece);
      ev.push_back(fmt::format("published as {} strings:{}", rec.strings.size(), pieces));
      fix +=
          " The strings are joined without spaces (RFC 7208 §3.3): start each string after the "
          "first with a space, or split inside a term.";
    }
    add_finding(r, "spf.syntax_error", d,
                fmt::format("the SPF record has {} syntax error(s): receivers return permerror",
                            root.parsed->errors.size()),
                ev, fix);
  }

  // The include/redirect tree: broken targets, loops, cost, void lookups, ptr.
  nlohmann::json tree = nlohmann::json::array();
  int void_count = 0;
  std::vector<std::string> void_terms;
  std::vector<std::string> cost_lines;
  for (const auto& n : data.nodes) {
    nlohmann::json jn{{"domain", n.domain},
                      {"via", n.via},
                      {"depth", n.depth},
                      {"record", n.records.size() == 1 ? n.records.front() : ""},
                      {"own_terms", n.own_terms},
                      {"total_terms", n.total_terms},
                      {"loop", n.loop}};
    tree.push_back(jn);
    if (n.parent >= 0) {
      cost_lines.push_back(fmt::format("{}{}  ({} lookup(s) with what it includes)",
                                       std::string(2 * static_cast<std::size_t>(n.depth), ' '),
                                       n.via, n.total_terms + 1));
    }
    const std::string subject = n.parent < 0 ? d : n.domain;
    if (n.parent >= 0) {
      if (n.loop) {
        failed = true;
        add_finding(
            r, "spf.include_loop", n.domain,
            fmt::format("{} leads back to {}: evaluation can never finish", n.via, n.domain), {},
            "Remove the include or redirect that points back up the chain.");
        continue;
      }
      if (!n.txt.is_answer()) {
        warned = true;
        add_finding(
            r, "spf.include_lookup_failed", n.domain,
            fmt::format("the record of {} ({}) could not be fetched: receivers get temperror",
                        n.domain, n.via),
            n.txt.evidence_lines());
        continue;
      }
      if (n.records.empty()) {
        failed = true;
        add_finding(
            r, "spf.include_no_spf", n.domain,
            fmt::format("{} points at {}, which publishes no SPF record: permerror", n.via,
                        n.domain),
            n.txt.evidence_lines(),
            fmt::format("Remove '{}' or correct the name (the sending service documents the "
                        "include to use).",
                        n.via));
        continue;
      }
      if (n.records.size() > 1 || !n.parsed->ok()) {
        failed = true;
        add_finding(
            r, "spf.include_broken", n.domain,
            fmt::format("{} leads to a broken SPF record at {}: permerror", n.via, n.domain),
            n.records,
            fmt::format("Ask the operator of {} to fix it, or remove '{}'.", n.domain, n.via));
        continue;
      }
    }
    for (const auto& l : n.lookups) {
      if (!l.lookup_failed && is_void(l.outcome)) {
        ++void_count;
        void_terms.push_back(
            fmt::format("{}: {} ({})", n.domain, l.term, dns::to_string(l.outcome)));
      }
      if (l.mechanism == Mechanism::kMx && l.mx_names > 10) {
        failed = true;
        add_finding(r, "spf.mx_too_many_names", subject,
                    fmt::format("'{}' has {} MX hosts; SPF allows 10 per mx term: permerror",
                                l.term, l.mx_names),
                    {}, "List the sending servers with ip4:/ip6: terms instead of mx.");
      }
    }
    if (n.parsed && n.parsed->ok()) {
      for (const auto& dir : n.parsed->record.directives) {
        if (dir.mechanism == Mechanism::kPtr) {
          warned = true;
          add_finding(r, "spf.ptr_mechanism", subject,
                      fmt::format("'{}' in {}'s record: ptr is slow, unreliable and deprecated",
                                  dir.text, n.domain),
                      {},
                      "Replace ptr with ip4:/ip6: terms for the sending servers (RFC 7208 §5.5).");
        }
      }
    }
  }
  details["tree"] = tree;
  details["tree_truncated"] = data.truncated;
  details["void_lookups"] = void_count;

  const int worst = root.total_terms;
  details["lookup_terms_worst_case"] = worst;
  if (root.parsed && root.parsed->ok()) {
    r.facts.push_back(
        {"DNS lookups", fmt::format("{} of 10 (worst case, every include followed)", worst)});
    if (worst > 10) {
      failed = true;
      std::vector<std::string> ev = cost_lines;
      ev.insert(ev.begin(), fmt::format("{} DNS-querying terms in all", worst));
      std::string fix =
          "Remove includes of services you no longer use, or replace a and mx terms with "
          "ip4:/ip6: terms.";
      if (auto flat = flatten(data, 0, true); flat && flat->lookups <= 10) {
        std::vector<std::string> terms;
        std::set<std::string> seen;
        for (auto& t : flat->terms) {
          if (seen.insert(t).second) terms.push_back(t);
        }
        std::string text = "v=spf1";
        for (const auto& t : terms) text += " " + t;
        text += " " + final_all(data);
        if (text.size() > kMaxTxtAnswer) {
          fix += fmt::format(
              "\nFlattening (every include and a/mx term replaced by its addresses) would take "
              "{} octets, more than fit a UDP answer ({}): split the senders across subdomains "
              "(include:_spf1.{} ...) instead.",
              text.size(), kMaxTxtAnswer, d);
        } else {
          fix += fmt::format(
              "\nA flattened record (every include and a/mx term replaced by the addresses they "
              "resolve to today: {} lookup(s)); it must be refreshed whenever a provider changes "
              "its addresses:\n{}",
              flat->lookups, txt_record(d, text));
        }
      }
      add_finding(
          r, "spf.too_many_lookups", d,
          fmt::format("{} DNS-querying terms; receivers stop at 10 with permerror, so mail that "
                      "reaches the end of the record fails SPF",
                      worst),
          ev, fix);
    }
  }
  if (void_count > 2) {
    failed = true;
    add_finding(
        r, "spf.too_many_void_lookups", d,
        fmt::format("{} terms look up names that do not exist; receivers stop at the third with "
                    "permerror",
                    void_count),
        void_terms, "Remove the terms that name non-existent hosts.");
  } else if (void_count > 0) {
    warned = true;
    add_finding(
        r, "spf.void_lookup", d,
        fmt::format("{} term(s) look up names that do not exist", void_count), void_terms,
        "Remove them: each costs a lookup, and a third such term makes the record a permerror.");
  }

  if (root.parsed && root.parsed->ok() && root.records.size() == 1) {
    const auto& rec = root.parsed->record;
    const Directive* all = find_all(rec);
    const std::string base = root.records.front();
    auto with_all = [&](const std::string& replacement) {
      std::string text = base;
      if (all) {
        text.replace(all->pos, all->text.size(), replacement);
      } else {
        text += " " + replacement;
      }
      return txt_record(d, text);
    };
    if (const auto open = passes_everyone(data, 0)) {
      failed = true;
      const bool own_all = all && all->qualifier == Qualifier::kPass && *open == all->text;
      add_finding(
          r, "spf.pass_all", d,
          fmt::format("'{}' authorises every host on the Internet to send as {}", *open, d), {base},
          own_all
              ? "End the record with -all (or ~all while you check the list):\n" + with_all("-all")
              : fmt::format("Remove '{}' and list the real senders instead.", *open));
    } else if (all && all->qualifier == Qualifier::kNeutral) {
      warned = true;
      add_finding(r, "spf.neutral_all", d, "'?all' says nothing about hosts not listed", {base},
                  "End the record with ~all or -all:\n" + with_all("~all"));
    } else if (!all && !rec.redirect) {
      warned = true;
      add_finding(r, "spf.no_all", d, "the record has no 'all' term: unlisted hosts get neutral",
                  {base}, "End the record with ~all or -all:\n" + with_all("~all"));
    } else if (all && all->qualifier == Qualifier::kSoftFail) {
      // With an enforcing DMARC policy the receiver's decision comes from DMARC, so ~all loses
      // nothing; without one, -all is the only way to have unlisted hosts rejected.
      const bool enforcing = dmarc_policy && *dmarc_policy != policy::dmarc::Policy::kNone;
      if (enforcing) {
        add_finding(r, "spf.softfail_all", d,
                    fmt::format("'~all' with DMARC p={}: fine, DMARC decides for failing mail",
                                policy::dmarc::to_string(*dmarc_policy)),
                    {base});
      } else {
        add_finding(
            r, "spf.softfail_all", d,
            "'~all' without an enforcing DMARC policy: unlisted hosts are only marked", {base},
            "Publish DMARC with p=quarantine or p=reject (see the dmarc check), or end the record "
            "with -all once every sending service is listed:\n" +
                with_all("-all"));
      }
    }
    if (all && rec.redirect) {
      add_finding(r, "spf.redirect_ignored", d,
                  fmt::format("'{}' is never used because the record has '{}'", rec.redirect->text,
                              all->text),
                  {base});
    }
    if (all && &rec.directives.back() != all) {
      add_finding(r, "spf.terms_after_all", d,
                  fmt::format("terms after '{}' are never evaluated", all->text), {base},
                  "Move them before the all term or remove them.");
    }
    if (root.txt_octets > kMaxTxtAnswer) {
      warned = true;
      add_finding(
          r, "spf.record_too_long", d,
          fmt::format("{} octets of TXT data at {}; answers over 512 octets may need TCP and are "
                      "dropped by some receivers",
                      root.txt_octets, d),
          {}, "Shorten the record (fewer, shorter terms) or move other TXT records elsewhere.");
    }
  }

  // Do the domain's own MX hosts pass? Often they also send (bounces, forwarding).
  nlohmann::json auth = nlohmann::json::array();
  std::vector<std::string> not_authorised;
  for (const auto& m : mx_auth) {
    auth.push_back(
        {{"host", m.host}, {"address", m.address}, {"result", spf::to_string(m.result)}});
    if (m.result != spf::SpfResult::kPass) {
      not_authorised.push_back(
          fmt::format("{} [{}]: {}", m.host, m.address, spf::to_string(m.result)));
    }
  }
  details["mx_authorisation"] = auth;
  if (!not_authorised.empty() && root.records.size() == 1 && root.parsed->ok()) {
    add_finding(
        r, "spf.mx_not_authorised", d,
        fmt::format("{} of {} MX address(es) would not pass SPF if they sent as {}",
                    not_authorised.size(), mx_auth.size(), d),
        not_authorised,
        "If these servers also send mail as the domain (bounces, forwarding), add 'mx' or their "
        "ip4:/ip6: terms; if they only receive, nothing to do.");
  }

  r.status = failed ? Status::kFail : warned ? Status::kWarn : Status::kPass;
  r.summary = failed   ? "the SPF record is broken or dangerous"
              : warned ? "SPF is published, with weaknesses"
                       : fmt::format("SPF published, {} of 10 lookups", worst);
  r.details = details;
  return r;
}

}  // namespace mc::checks
