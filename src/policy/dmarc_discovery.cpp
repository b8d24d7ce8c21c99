// dmarc_discovery.cpp - see dmarc_discovery.hpp. Section numbers are RFC 9989 unless marked.
#include "policy/dmarc_discovery.hpp"

#include <fmt/format.h>

#include "policy/text.hpp"

namespace mc::policy::dmarc {
namespace {

std::vector<std::string_view> labels_of(std::string_view name) {
  std::vector<std::string_view> out;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    out.push_back(name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return out;
}

// suffix - the rightmost n labels of name.
std::string suffix(std::string_view name, std::size_t n) {
  const auto labels = labels_of(name);
  if (n >= labels.size()) return std::string(name);
  const std::string_view first = labels[labels.size() - n];
  return std::string(name.substr(static_cast<std::size_t>(first.data() - name.data())));
}

std::vector<std::string> dmarc_only(const TxtLookup& t) {
  std::vector<std::string> out;
  for (const auto& r : t.records) {
    if (is_dmarc_record(r)) out.push_back(r);
  }
  return out;
}

struct Found {
  std::string name;
  std::string record;
  char psd = 'u';
};

// Walk - one DNS Tree Walk (§4.10): the single valid records met, in order (longest name first).
struct Walk {
  std::vector<Found> found;
  std::vector<std::string> queried;
  std::vector<std::string> multiple;
  bool stopped = false;  // a psd=y or psd=n record ended it
  std::string failed_name, failure;
  bool failed() const { return !failed_name.empty(); }
};

// visit - steps 1-2 / 5-6 for one name; false when the walk ends here.
bool visit(Walk& w, const std::string& name, const Lookup& lookup) {
  w.queried.push_back("_dmarc." + name);
  const TxtLookup* t = lookup(name);
  if (!t || !t->ok) {
    w.failed_name = "_dmarc." + name;
    w.failure = t ? t->failure : "not looked up";
    return false;
  }
  const auto records = dmarc_only(*t);
  if (records.size() > 1) {
    w.multiple.push_back(name);  // step 2: all discarded
    return true;
  }
  if (records.empty()) return true;
  const char psd = parse_dmarc(records.front()).record.psd;
  w.found.push_back({name, records.front(), psd});
  if (psd == 'y' || psd == 'n') {
    w.stopped = true;
    return false;
  }
  return true;
}

Walk tree_walk(std::string_view start, bool include_start, const Lookup& lookup) {
  Walk w;
  if (include_start && !visit(w, std::string(start), lookup)) return w;
  for (const auto& name : walk_names(start)) {
    if (!visit(w, name, lookup)) break;
  }
  return w;
}

// select_org - §4.10.2 steps 1-3 over the records of a walk that started at start.
OrgDomain select_org(std::string_view start, const Walk& w) {
  OrgDomain o;
  o.queried = w.queried;
  for (const auto& f : w.found) {
    if (f.psd == 'n') {
      o.domain = f.name;
      o.basis = fmt::format("psd=n at _dmarc.{}", f.name);
      return o;
    }
  }
  for (const auto& f : w.found) {
    if (f.psd == 'y' && f.name != start) {
      o.domain = suffix(start, labels_of(f.name).size() + 1);
      o.basis = fmt::format("one label below the public suffix {} (psd=y)", f.name);
      return o;
    }
  }
  // A failed lookup before the walk ended leaves the choice open: a record further up could
  // have had fewer labels or psd=y.
  if (w.failed()) {
    o.known = false;
    o.domain = w.found.empty() ? std::string(start) : w.found.back().name;
    o.basis = fmt::format("undetermined: {} failed ({})", w.failed_name, w.failure);
    return o;
  }
  if (!w.found.empty()) {
    o.domain = w.found.back().name;
    o.basis = fmt::format("the record with the fewest labels, _dmarc.{}", o.domain);
    return o;
  }
  o.domain = std::string(start);
  o.basis = "no record on the way to the root: the domain itself";
  return o;
}

void fail(Discovery& d, std::string name, std::string why) {
  d.outcome = Outcome::kFailed;
  d.failed_name = std::move(name);
  d.failure = std::move(why);
}

void take(Discovery& d, std::string domain, std::string record, Level level) {
  d.outcome = Outcome::kRecord;
  d.policy_domain = std::move(domain);
  d.record = std::move(record);
  d.level = level;
}

Discovery discover_9989(std::string_view author, const Lookup& lookup) {
  Discovery d;
  d.rules = RuleSet::kRfc9989;
  // The same walk serves policy discovery (§4.10.1) and the author's Organizational Domain
  // (§4.10.2): both start with _dmarc.<author>.
  const Walk w = tree_walk(author, true, lookup);
  const OrgDomain org = select_org(author, w);
  d.queried = w.queried;
  d.multiple = w.multiple;
  d.org_domain = org.domain;
  d.org_known = org.known;
  d.org_basis = org.basis;
  if (!w.queried.empty() && w.failed() && w.failed_name == w.queried.front()) {
    fail(d, w.failed_name, w.failure);
    return d;
  }
  if (!w.found.empty() && w.found.front().name == author) {
    take(d, std::string(author), w.found.front().record, Level::kAuthor);
    return d;
  }
  if (w.failed()) {
    // The walk needed to find the policy did not finish.
    fail(d, w.failed_name, w.failure);
    return d;
  }
  // §4.10.1: the Organizational Domain's record, else the Public Suffix Domain's (psd=y).
  for (const auto& f : w.found) {
    if (f.name == org.domain) {
      take(d, f.name, f.record, Level::kOrganizational);
      return d;
    }
  }
  for (const auto& f : w.found) {
    if (f.psd == 'y') {
      take(d, f.name, f.record, Level::kPublicSuffix);
      return d;
    }
  }
  d.outcome = Outcome::kNone;
  return d;
}

Discovery discover_7489(std::string_view author, std::string_view psl_org, const Lookup& lookup) {
  Discovery d;
  d.rules = RuleSet::kRfc7489;
  d.org_domain = std::string(psl_org);
  d.org_basis = "Public Suffix List";
  // RFC 7489 §6.6.3: the author, then the Organizational Domain, nothing in between.
  std::vector<std::pair<std::string, Level>> steps{{std::string(author), Level::kAuthor}};
  if (psl_org != author) steps.emplace_back(std::string(psl_org), Level::kOrganizational);
  for (const auto& [name, level] : steps) {
    d.queried.push_back("_dmarc." + name);
    const TxtLookup* t = lookup(name);
    if (!t || !t->ok) {
      fail(d, "_dmarc." + name, t ? t->failure : "not looked up");
      return d;
    }
    const auto records = dmarc_only(*t);
    if (records.size() > 1) {
      d.multiple.push_back(name);
      d.outcome = Outcome::kMultiple;  // §6.6.3 step 4: discovery ends, no DMARC
      d.policy_domain = name;
      return d;
    }
    if (records.size() == 1) {
      take(d, name, records.front(), level);
      return d;
    }
  }
  d.outcome = Outcome::kNone;
  return d;
}

Policy one_level_down(Policy p) {
  return p == Policy::kReject ? Policy::kQuarantine : Policy::kNone;
}

}  // namespace

std::string_view to_string(Level l) {
  switch (l) {
    case Level::kAuthor:
      return "author";
    case Level::kOrganizational:
      return "organizational";
    case Level::kPublicSuffix:
      return "public_suffix";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kRecord:
      return "record";
    case Outcome::kNone:
      return "none";
    case Outcome::kMultiple:
      return "multiple";
    case Outcome::kFailed:
      return "lookup_failed";
  }
  return "?";
}

std::vector<std::string> walk_names(std::string_view start) {
  // §4.10 step 4: below 8 labels drop one; from 8 on, keep the rightmost 7; then one at a time
  // until no label is left (step 7).
  const std::size_t x = labels_of(start).size();
  std::vector<std::string> out;
  for (std::size_t n = x >= 8 ? 7 : x - (x > 0 ? 1 : 0); n >= 1; --n) {
    out.push_back(suffix(start, n));
  }
  return out;
}

Discovery discover(RuleSet rules, std::string_view author, std::string_view psl_org,
                   const Lookup& lookup) {
  return rules == RuleSet::kRfc9989 ? discover_9989(author, lookup)
                                    : discover_7489(author, psl_org, lookup);
}

OrgDomain organizational_domain_9989(std::string_view start, const Lookup& lookup) {
  return select_org(start, tree_walk(start, true, lookup));
}

int strength(std::optional<Policy> p) {
  if (!p) return -1;
  return *p == Policy::kReject ? 2 : *p == Policy::kQuarantine ? 1 : 0;
}

std::optional<Policy> weaker(std::optional<Policy> a, std::optional<Policy> b) {
  return strength(a) <= strength(b) ? a : b;
}

Applied apply(const Discovery& d, std::string_view author, bool author_exists) {
  Applied a;
  if (d.outcome != Outcome::kRecord) {
    a.why = d.outcome == Outcome::kFailed ? "the lookup failed" : "no DMARC record";
    return a;
  }
  const auto parsed = parse_dmarc(d.record);
  const Record& r = parsed.record;
  if (!parsed.ok(d.rules)) {
    // RFC 9989 §4.10.1, RFC 7489 §6.6.3 step 6.
    a.void_policy = true;
    if (r.has_valid_rua()) {
      a.policy = Policy::kNone;
      a.why = "the policy is invalid, so receivers act as p=none (a valid rua is present)";
    } else {
      a.why = "the policy is invalid and no valid rua is present: no DMARC";
    }
    return a;
  }
  const Policy p = r.p.value_or(Policy::kNone);  // RFC 9989 §4.7: no p reads as p=none
  const bool subdomain = d.level != Level::kAuthor && author != d.policy_domain;
  if (!subdomain) {
    a.stated = p;
    a.tag = "p";
  } else if (d.rules == RuleSet::kRfc9989 && !author_exists && r.np) {
    a.stated = r.np;  // §4.10.1: np for a non-existent author domain
    a.tag = "np";
  } else if (r.sp) {
    a.stated = r.sp;
    a.tag = "sp";
  } else {
    a.stated = p;
    a.tag = "p";
  }
  a.policy = a.stated;
  if (d.rules == RuleSet::kRfc9989) {
    // §4.7 t=y: one level below, and no effect on none. RFC 7489 receivers do not know t.
    if (r.testing && *a.stated != Policy::kNone) {
      a.testing = true;
      a.policy = one_level_down(*a.stated);
    }
  } else {
    // RFC 7489 §6.6.4: mail outside the pct sample gets one level less (reject -> quarantine,
    // quarantine -> normal handling); with pct=0 that is all mail. RFC 9989 receivers ignore pct
    // (App. A.6).
    a.pct = r.pct;
    if (r.pct == 0 && *a.stated != Policy::kNone) {
      a.sampled_out = true;
      a.policy = one_level_down(*a.stated);
    }
  }
  a.why = fmt::format("{}={}", a.tag, to_string(*a.stated));
  return a;
}

}  // namespace mc::policy::dmarc
