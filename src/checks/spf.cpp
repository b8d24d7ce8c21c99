// spf.cpp - see spf.hpp. Section numbers are RFC 7208.
#include "checks/spf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <set>

#include "core/clock.hpp"
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

SpfContext spf_context(const MxData& mx, std::vector<MxAuthorisation> mx_auth,
                       std::optional<policy::dmarc::Policy> dmarc_policy) {
  SpfContext c;
  c.mx_auth = std::move(mx_auth);
  c.sends_no_mail = !mx.entries.empty() && mx.hosts.empty() &&
                    std::all_of(mx.entries.begin(), mx.entries.end(),
                                [](const MxEntry& e) { return e.exchange == "."; });
  c.dmarc_policy = dmarc_policy;
  return c;
}

bool SpfData::record_usable() const {
  const SpfNode& root = nodes.front();
  return root.records.size() == 1 && root.parsed && root.parsed->ok();
}

std::vector<std::string> void_lookups(const SpfData& data) {
  std::vector<std::string> out;
  for (const auto& n : data.nodes) {
    for (const auto& l : n.lookups) {
      if (!l.lookup_failed && is_void(l.outcome)) {
        out.push_back(fmt::format("{}: {} ({})", n.domain, l.term, dns::to_string(l.outcome)));
      }
    }
  }
  return out;
}

namespace {

// ---- rules: each adds its findings and returns true when it decided the area ----------------

// §14.1: the type-99 SPF record is obsolete; receivers read only TXT.
void type99(const SpfData& data, Evaluation& ev) {
  if (!data.spf_type.has_data()) return;
  ev.add("spf.type99_record", data.domain,
         "the domain still publishes the obsolete SPF (type 99) record type",
         data.spf_type.evidence_lines(),
         "Remove the type-99 SPF record; receivers read only the TXT record (RFC 7208 §14.1).");
}

// §4.4: a failed TXT lookup is a temperror.
bool lookup_failed(const SpfData& data, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  if (root.txt.is_answer()) return false;
  ev.state = AreaState::kUndetermined;
  ev.add("spf.lookup_failed", data.domain, describe_lookup_failure(root), root.txt.evidence_lines(),
         "Make the domain's name servers answer TXT queries (and its DNSSEC validate); until then "
         "receivers get temperror and may defer mail.");
  return true;
}

// §4.5: no record, result none.
bool missing(const SpfData& data, const SpfContext& ctx, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  if (!root.records.empty()) return false;
  ev.state = AreaState::kNotDeployed;
  const std::string& d = data.domain;
  const std::string fix =
      ctx.sends_no_mail
          ? txt_record(d, "v=spf1 -all") +
                "\n(The domain sends no mail: RFC 7505 §4.2 with RFC 7208.)"
          : txt_record(d, "v=spf1 mx -all") +
                "\nif only the domain's MX hosts send its mail; add include: or ip4:/ip6: terms "
                "for every other service that sends as the domain (and use ~all until you are "
                "sure the list is complete).";
  ev.add("spf.none", d, "the domain publishes no SPF record, so anyone may send as it",
         root.txt.evidence_lines(), "Publish:\n" + fix);
  return true;
}

// merged_record - the advice for several records: one record with every term once, ending with
// the strictest all any of them ends with (never +all or ?all); nullopt when one uses redirect=,
// which cannot simply be merged.
std::optional<std::string> merged_record(const std::vector<std::string>& records) {
  std::string merged = "v=spf1";
  std::set<std::string> seen;
  std::string all = "~all";
  // DNS gives an RRset in no particular order: merge in sorted order, so advice is stable.
  std::vector<std::string> sorted = records;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& rec : sorted) {
    auto p = policy::spf::parse_record(rec);
    if (p.record.redirect) return std::nullopt;
    for (const auto& dir : p.record.directives) {
      if (dir.mechanism == Mechanism::kAll) {
        if (dir.qualifier == Qualifier::kFail) all = "-all";
        break;
      }
      if (seen.insert(dir.text).second) merged += " " + dir.text;
    }
  }
  return merged + " " + all;
}

// §4.5: more than one record is a permerror.
void multiple(const SpfData& data, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  std::vector<std::string> evidence = root.records;
  std::sort(evidence.begin(), evidence.end());
  const auto merged = merged_record(root.records);
  ev.add(
      "spf.multiple_records", data.domain,
      fmt::format("{} SPF records: receivers return permerror and ignore SPF", root.records.size()),
      evidence,
      merged ? "Replace them with one record, e.g.\n" + txt_record(data.domain, *merged)
             : std::string("Merge them into one record by hand (one uses redirect=, which "
                           "cannot simply be combined)."));
}

// §4.6: a syntax error anywhere voids the record (permerror).
void syntax(const SpfData& data, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  std::vector<std::string> evidence{root.records.front()};
  for (const auto& e : root.parsed->errors) {
    evidence.push_back(fmt::format("offset {}: {}", e.pos, e.message));
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
    evidence.push_back(fmt::format("published as {} strings:{}", rec.strings.size(), pieces));
    fix +=
        " The strings are joined without spaces (RFC 7208 §3.3): start each string after the "
        "first with a space, or split inside a term.";
  }
  ev.add("spf.syntax_error", data.domain,
         fmt::format("the SPF record has {} syntax error(s): receivers return permerror",
                     root.parsed->errors.size()),
         evidence, fix);
}

// §5.2, §6.1, §4.6.4: what an include or redirect leads to; true when the node is unusable.
bool broken_target(const SpfNode& n, Evaluation& ev) {
  if (n.loop) {
    ev.add("spf.include_loop", n.domain,
           fmt::format("{} leads back to {}: evaluation can never finish", n.via, n.domain), {},
           "Remove the include or redirect that points back up the chain.");
  } else if (!n.txt.is_answer()) {
    ev.add("spf.include_lookup_failed", n.domain,
           fmt::format("the record of {} ({}) could not be fetched: receivers get temperror",
                       n.domain, n.via),
           n.txt.evidence_lines());
  } else if (n.records.empty()) {
    ev.add(
        "spf.include_no_spf", n.domain,
        fmt::format("{} points at {}, which publishes no SPF record: permerror", n.via, n.domain),
        n.txt.evidence_lines(),
        fmt::format("Remove '{}' or correct the name (the sending service documents the "
                    "include to use).",
                    n.via));
  } else if (n.records.size() > 1 || !n.parsed->ok()) {
    ev.add("spf.include_broken", n.domain,
           fmt::format("{} leads to a broken SPF record at {}: permerror", n.via, n.domain),
           n.records,
           fmt::format("Ask the operator of {} to fix it, or remove '{}'.", n.domain, n.via));
  } else {
    return false;
  }
  return true;
}

// §4.6.4: at most 10 MX names per mx term; §5.5: ptr should not be used.
void risky_terms(const SpfData& data, const SpfNode& n, Evaluation& ev) {
  const std::string& subject = n.parent < 0 ? data.domain : n.domain;
  for (const auto& l : n.lookups) {
    if (l.mechanism != Mechanism::kMx || l.mx_names <= 10) continue;
    ev.add("spf.mx_too_many_names", subject,
           fmt::format("'{}' has {} MX hosts; SPF allows 10 per mx term: permerror", l.term,
                       l.mx_names),
           {}, "List the sending servers with ip4:/ip6: terms instead of mx.");
  }
  if (!n.parsed || !n.parsed->ok()) return;
  for (const auto& dir : n.parsed->record.directives) {
    if (dir.mechanism != Mechanism::kPtr) continue;
    ev.add("spf.ptr_mechanism", subject,
           fmt::format("'{}' in {}'s record: ptr is slow, unreliable and deprecated", dir.text,
                       n.domain),
           {}, "Replace ptr with ip4:/ip6: terms for the sending servers (RFC 7208 §5.5).");
  }
}

void tree(const SpfData& data, Evaluation& ev) {
  for (const auto& n : data.nodes) {
    if (n.parent >= 0 && broken_target(n, ev)) continue;
    risky_terms(data, n, ev);
  }
}

// cost_lines - the include/redirect tree with each branch's lookup cost, for evidence.
std::vector<std::string> cost_lines(const SpfData& data) {
  std::vector<std::string> out;
  for (const auto& n : data.nodes) {
    if (n.parent < 0) continue;
    out.push_back(fmt::format("{}{}  ({} lookup(s) with what it includes)",
                              std::string(2 * static_cast<std::size_t>(n.depth), ' '), n.via,
                              n.total_terms + 1));
  }
  return out;
}

// flatten_advice - a flattened record within the limits, when one can be given and fits.
std::string flatten_advice(const SpfData& data) {
  const auto flat = flatten(data, 0, true);
  if (!flat || flat->lookups > 10) return "";
  std::set<std::string> seen;
  std::string text = "v=spf1";
  for (const auto& t : flat->terms) {
    if (seen.insert(t).second) text += " " + t;
  }
  text += " " + final_all(data);
  if (text.size() > kMaxTxtAnswer) {
    return fmt::format(
        "\nFlattening (every include and a/mx term replaced by its addresses) would take {} "
        "octets, more than fit a UDP answer ({}): split the senders across subdomains "
        "(include:_spf1.{} ...) instead.",
        text.size(), kMaxTxtAnswer, data.domain);
  }
  return fmt::format(
      "\nA flattened record (every include and a/mx term replaced by the addresses they resolve "
      "to today: {} lookup(s)); it must be refreshed whenever a provider changes its "
      "addresses:\n{}",
      flat->lookups, txt_record(data.domain, text));
}

// §4.6.4: more than 10 DNS-querying terms is a permerror once evaluation reaches the 11th.
void lookup_cost(const SpfData& data, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  const int worst = root.total_terms;
  if (!root.parsed || !root.parsed->ok() || worst <= 10) return;
  std::vector<std::string> evidence = cost_lines(data);
  evidence.insert(evidence.begin(), fmt::format("{} DNS-querying terms in all", worst));
  ev.add("spf.too_many_lookups", data.domain,
         fmt::format("{} DNS-querying terms; receivers stop at 10 with permerror, so mail that "
                     "reaches the end of the record fails SPF",
                     worst),
         evidence,
         "Remove includes of services you no longer use, or replace a and mx terms with "
         "ip4:/ip6: terms." +
             flatten_advice(data));
}

// §4.6.4: more than two void lookups is a permerror.
void void_terms(const SpfData& data, Evaluation& ev) {
  const auto terms = void_lookups(data);
  if (terms.size() > 2) {
    ev.add("spf.too_many_void_lookups", data.domain,
           fmt::format("{} terms look up names that do not exist; receivers stop at the third "
                       "with permerror",
                       terms.size()),
           terms, "Remove the terms that name non-existent hosts.");
  } else if (!terms.empty()) {
    ev.add("spf.void_lookup", data.domain,
           fmt::format("{} term(s) look up names that do not exist", terms.size()), terms,
           "Remove them: each costs a lookup, and a third such term makes the record a "
           "permerror.");
  }
}

// with_all - the record as a zone line with its all term replaced (or appended).
std::string with_all(const SpfData& data, const std::string& replacement) {
  std::string text = data.nodes.front().records.front();
  if (const Directive* all = find_all(data.nodes.front().parsed->record)) {
    text.replace(all->pos, all->text.size(), replacement);
  } else {
    text += " " + replacement;
  }
  return txt_record(data.domain, text);
}

// §5.1, §8: what the record says about hosts it does not list.
void ending(const SpfData& data, const SpfContext& ctx, Evaluation& ev) {
  const auto& rec = data.nodes.front().parsed->record;
  const Directive* all = find_all(rec);
  const std::string& d = data.domain;
  const std::vector<std::string> base{data.nodes.front().records.front()};
  if (const auto open = passes_everyone(data, 0)) {
    const bool own_all = all && all->qualifier == Qualifier::kPass && *open == all->text;
    ev.add("spf.pass_all", d,
           fmt::format("'{}' authorises every host on the Internet to send as {}", *open, d), base,
           own_all ? "End the record with -all (or ~all while you check the list):\n" +
                         with_all(data, "-all")
                   : fmt::format("Remove '{}' and list the real senders instead.", *open));
  } else if (all && all->qualifier == Qualifier::kNeutral) {
    ev.add("spf.neutral_all", d, "'?all' says nothing about hosts not listed", base,
           "End the record with ~all or -all:\n" + with_all(data, "~all"));
  } else if (!all && !rec.redirect) {
    ev.add("spf.no_all", d, "the record has no 'all' term: unlisted hosts get neutral", base,
           "End the record with ~all or -all:\n" + with_all(data, "~all"));
  } else if (all && all->qualifier == Qualifier::kSoftFail) {
    // With an enforcing DMARC policy the receiver's decision comes from DMARC, so ~all loses
    // nothing; without one, -all is the only way to have unlisted hosts rejected.
    const auto& dmarc = ctx.dmarc_policy;
    if (dmarc && *dmarc != policy::dmarc::Policy::kNone) {
      ev.add("spf.softfail_all", d,
             fmt::format("'~all' with DMARC p={}: fine, DMARC decides for failing mail",
                         policy::dmarc::to_string(*dmarc)),
             base);
    } else {
      ev.add("spf.softfail_all", d,
             "'~all' without an enforcing DMARC policy: unlisted hosts are only marked", base,
             "Publish DMARC with p=quarantine or p=reject (see the dmarc check), or end the "
             "record with -all once every sending service is listed:\n" +
                 with_all(data, "-all"));
    }
  }
}

// §6.1: redirect= is ignored beside all; §5.1: terms after all are never evaluated; §3.4: keep
// the answer within 512 octets.
void layout(const SpfData& data, Evaluation& ev) {
  const SpfNode& root = data.nodes.front();
  const auto& rec = root.parsed->record;
  const Directive* all = find_all(rec);
  const std::string& d = data.domain;
  const std::vector<std::string> base{root.records.front()};
  if (all && rec.redirect) {
    ev.add("spf.redirect_ignored", d,
           fmt::format("'{}' is never used because the record has '{}'", rec.redirect->text,
                       all->text),
           base);
  }
  if (all && &rec.directives.back() != all) {
    ev.add("spf.terms_after_all", d, fmt::format("terms after '{}' are never evaluated", all->text),
           base, "Move them before the all term or remove them.");
  }
  if (root.txt_octets > kMaxTxtAnswer) {
    ev.add("spf.record_too_long", d,
           fmt::format("{} octets of TXT data at {}; answers over 512 octets may need TCP and are "
                       "dropped by some receivers",
                       root.txt_octets, d),
           {}, "Shorten the record (fewer, shorter terms) or move other TXT records elsewhere.");
  }
}

// Do the domain's own MX hosts pass? Often they also send (bounces, forwarding).
void mx_not_authorised(const SpfData& data, const SpfContext& ctx, Evaluation& ev) {
  std::vector<std::string> failing;
  for (const auto& m : ctx.mx_auth) {
    if (m.result != spf::SpfResult::kPass) {
      failing.push_back(fmt::format("{} [{}]: {}", m.host, m.address, spf::to_string(m.result)));
    }
  }
  if (failing.empty()) return;
  ev.add("spf.mx_not_authorised", data.domain,
         fmt::format("{} of {} MX address(es) would not pass SPF if they sent as {}",
                     failing.size(), ctx.mx_auth.size(), data.domain),
         failing,
         "If these servers also send mail as the domain (bounces, forwarding), add 'mx' or their "
         "ip4:/ip6: terms; if they only receive, nothing to do.");
}

nlohmann::json tree_json(const SpfData& data) {
  nlohmann::json tree = nlohmann::json::array();
  for (const auto& n : data.nodes) {
    tree.push_back({{"domain", n.domain},
                    {"via", n.via},
                    {"depth", n.depth},
                    {"record", n.records.size() == 1 ? n.records.front() : ""},
                    {"own_terms", n.own_terms},
                    {"total_terms", n.total_terms},
                    {"loop", n.loop}});
  }
  return tree;
}

std::string summary(const SpfData& data, Status status) {
  switch (status) {
    case Status::kError:
      return "the SPF (TXT) lookup failed";
    case Status::kNone:
      return "no SPF record";
    case Status::kFail:
      return "the SPF record is broken or dangerous";
    case Status::kWarn:
      return "SPF is published, with weaknesses";
    case Status::kPass:
      break;
  }
  return fmt::format("SPF published, {} of 10 lookups", data.nodes.front().total_terms);
}

}  // namespace

Evaluation evaluate_spf(const SpfData& data, const SpfContext& context) {
  Evaluation ev;
  type99(data, ev);
  if (lookup_failed(data, ev) || missing(data, context, ev)) return ev;
  const SpfNode& root = data.nodes.front();
  if (root.records.size() > 1) {
    multiple(data, ev);
  } else if (!root.parsed->ok()) {
    syntax(data, ev);
  }
  tree(data, ev);
  lookup_cost(data, ev);
  void_terms(data, ev);
  if (data.record_usable()) {
    ending(data, context, ev);
    layout(data, ev);
    mx_not_authorised(data, context, ev);
  }
  return ev;
}

AreaView spf_view(const SpfData& data, const SpfContext& context, const Evaluation& ev) {
  AreaView v;
  const SpfNode& root = data.nodes.front();
  v.summary = summary(data, status_from(ev.findings, ev.state));
  v.details = {{"domain", data.domain},
               {"records", root.records},
               {"type99_published", data.spf_type.has_data()}};
  if (ev.state != AreaState::kEvaluated) return v;
  v.details["record"] = root.records.front();
  v.facts.push_back({"record", root.records.front()});
  v.details["tree"] = tree_json(data);
  v.details["tree_truncated"] = data.truncated;
  v.details["void_lookups"] = void_lookups(data).size();
  v.details["lookup_terms_worst_case"] = root.total_terms;
  if (root.parsed && root.parsed->ok()) {
    v.facts.push_back({"DNS lookups", fmt::format("{} of 10 (worst case, every include followed)",
                                                  root.total_terms)});
  }
  nlohmann::json auth = nlohmann::json::array();
  for (const auto& m : context.mx_auth) {
    auth.push_back(
        {{"host", m.host}, {"address", m.address}, {"result", spf::to_string(m.result)}});
  }
  v.details["mx_authorisation"] = auth;
  return v;
}

AreaReport spf_report(const SpfData& data, const SpfContext& context) {
  const Evaluation ev = evaluate_spf(data, context);
  return area_report(Area::kSpf, ev, spf_view(data, context, ev), data.elapsed_ms);
}

}  // namespace mc::checks
