// spf_eval.cpp - see spf_eval.hpp. Section numbers are RFC 7208.
#include "checks/spf_eval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/domain_name.hpp"
#include "core/text.hpp"
#include "policy/spf_macro.hpp"

namespace mc::checks::spf {
namespace {

namespace asio = boost::asio;
using dns::Answer;
using dns::Outcome;
using policy::spf::Directive;
using policy::spf::IpAddress;
using policy::spf::Mechanism;
using policy::spf::Qualifier;

bool is_void(const Answer& a) {
  return a.outcome == Outcome::kNxDomain || a.outcome == Outcome::kNoData ||
         (a.outcome == Outcome::kData && a.records.empty());
}

std::string dns_failure(const std::string& name, std::uint16_t type, const Answer& a) {
  std::string what(dns::to_string(a.outcome));
  if (a.outcome == Outcome::kServFail && a.security == dns::Security::kBogus) {
    what = "DNSSEC validation failed" + (a.why_bogus.empty() ? "" : ": " + a.why_bogus);
  } else if (!a.error.empty()) {
    what += ": " + a.error;
  }
  return fmt::format("{} {} lookup failed ({})", name, dns::type_name(type), what);
}

SpfResult from_qualifier(Qualifier q) {
  switch (q) {
    case Qualifier::kPass:
      return SpfResult::kPass;
    case Qualifier::kFail:
      return SpfResult::kFail;
    case Qualifier::kSoftFail:
      return SpfResult::kSoftFail;
    case Qualifier::kNeutral:
      return SpfResult::kNeutral;
  }
  return SpfResult::kNeutral;
}

// reverse_name - the in-addr.arpa / ip6.arpa name of ip (RFC 1035 §3.5, RFC 3596 §2.5).
std::string reverse_name(const IpAddress& ip) {
  std::string out;
  if (!ip.v6) {
    for (int i = 3; i >= 0; --i) out += fmt::format("{}.", ip.bytes[i]);
    return out + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i)
    out += fmt::format("{:x}.{:x}.", ip.bytes[i] & 0xf, ip.bytes[i] >> 4);
  return out + "ip6.arpa";
}

bool same_or_subdomain(const std::string& name, const std::string& domain) {
  return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                            name[name.size() - domain.size() - 1] == '.');
}

// Why a term stopped the evaluation (temperror / permerror) or whether it matched.
struct TermResult {
  enum Kind { kMatch, kNoMatch, kAbort } kind = kNoMatch;
  SpfResult abort = SpfResult::kPermError;
  std::string why;

  static TermResult match(std::string why = {}) {
    return {kMatch, SpfResult::kNone, std::move(why)};
  }
  static TermResult no_match(std::string why = {}) {
    return {kNoMatch, SpfResult::kNone, std::move(why)};
  }
  static TermResult fail(SpfResult r, std::string why) { return {kAbort, r, std::move(why)}; }
};

struct Verdict {
  SpfResult result = SpfResult::kNeutral;
  std::string reason;
  std::optional<std::string> exp_spec;  // the exp= of the record that decided a fail
  std::string exp_domain;               // %{d} for it

  static Verdict of(SpfResult r, std::string why) {
    Verdict v;
    v.result = r;
    v.reason = std::move(why);
    return v;
  }
};

class Evaluator {
 public:
  Evaluator(Lookup lookup, EvalInput in, EvalLimits lim, Evaluation& ev)
      : lookup_(std::move(lookup)), in_(std::move(in)), lim_(lim), ev_(ev) {
    auto parts = policy::spf::sender_parts(in_.sender, in_.helo);
    base_.local_part = parts.local_part;
    base_.sender_domain = parts.domain;
    base_.ip = in_.ip;
    base_.helo = in_.helo;
    base_.receiver = in_.receiver;
    base_.timestamp = in_.timestamp;
  }

  asio::awaitable<Verdict> check(std::string domain, int depth);
  asio::awaitable<std::string> explain(const Verdict& o);

 private:
  asio::awaitable<Answer> query(const std::string& name, std::uint16_t type) {
    const std::string qname = presentation_name(name);
    auto pending = lookup_(qname, type);
    Answer a = co_await std::move(pending);
    co_return a;
  }

  void trace(int depth, const std::string& domain, std::string step, std::string detail,
             std::string outcome) {
    ev_.trace.push_back({depth, domain, std::move(step), std::move(detail), std::move(outcome)});
  }

  // void_result - §4.6.4: count a void lookup; no match, or a permerror once over the limit.
  TermResult void_result(std::string no_match_why) {
    if (++ev_.void_lookups > lim_.void_lookups) {
      return TermResult::fail(SpfResult::kPermError,
                              fmt::format("more than {} void lookups (§4.6.4)", lim_.void_lookups));
    }
    return TermResult::no_match(std::move(no_match_why));
  }

  // macro_context - the macro values for `domain`, %{p} looked up only when `text` uses it.
  asio::awaitable<policy::spf::MacroContext> macro_context(const std::string& text,
                                                           const std::string& domain);

  // target - expand a domain-spec for `domain` (§7.3: truncated to 253 octets).
  asio::awaitable<std::optional<std::string>> target(const std::string& spec,
                                                     const std::string& domain, std::string& why);
  asio::awaitable<std::vector<std::string>> validated_names(bool& dns_error);
  asio::awaitable<TermResult> term(const Directive& d, const std::string& domain, int depth);
  asio::awaitable<TermResult> mx_term(const Directive& d, const std::string& name);
  asio::awaitable<TermResult> ptr_term(const std::string& name);
  asio::awaitable<TermResult> exists_term(const std::string& name);
  asio::awaitable<TermResult> include_term(const std::string& name, int depth);
  // select_record - §4.5: the one SPF record at domain, or the verdict that ends the check.
  asio::awaitable<std::optional<Verdict>> select_record(const std::string& domain, int depth,
                                                        std::string& text);
  asio::awaitable<Verdict> redirect(const policy::spf::Record& record, const std::string& domain,
                                    int depth);
  asio::awaitable<TermResult> addresses_match(const std::string& name, int cidr4, int cidr6,
                                              bool count_as_void);

  Lookup lookup_;
  EvalInput in_;
  EvalLimits lim_;
  Evaluation& ev_;
  policy::spf::MacroContext base_;
  std::optional<std::vector<std::string>> validated_;  // PTR names of in_.ip that resolve back
  bool validated_error_ = false;
};

asio::awaitable<policy::spf::MacroContext> Evaluator::macro_context(const std::string& text,
                                                                    const std::string& domain) {
  auto ctx = base_;
  ctx.domain = domain;
  if (policy::spf::uses_p(text)) {
    bool err = false;
    const auto names = co_await validated_names(err);
    // §7.3: the validated name that is (a subdomain of) <domain> if any, else another one.
    auto it = std::find_if(names.begin(), names.end(),
                           [&](const std::string& n) { return same_or_subdomain(n, domain); });
    if (it == names.end()) it = names.begin();
    ctx.ptr = it == names.end() ? "unknown" : *it;
  }
  co_return ctx;
}

asio::awaitable<std::optional<std::string>> Evaluator::target(const std::string& spec,
                                                              const std::string& domain,
                                                              std::string& why) {
  const policy::spf::MacroContext ctx = co_await macro_context(spec, domain);
  auto expanded = policy::spf::expand(spec, ctx, false);
  if (!expanded) {
    why = expanded.error().message;
    co_return std::nullopt;
  }
  co_return policy::spf::truncate_domain(*expanded);
}

asio::awaitable<std::vector<std::string>> Evaluator::validated_names(bool& dns_error) {
  if (validated_) {
    dns_error = validated_error_;
    co_return *validated_;
  }
  std::vector<std::string> out;
  const std::string rev = reverse_name(in_.ip);
  Answer ptr = co_await query(rev, dns::rrtype::kPtr);
  if (!ptr.is_answer()) {
    validated_error_ = dns_error = true;
  } else {
    // §4.6.4: only the first 10 PTR names are followed; the rest are ignored.
    const std::size_t n = std::min<std::size_t>(ptr.records.size(), lim_.ptr_names);
    const std::uint16_t type = in_.ip.v6 ? dns::rrtype::kAaaa : dns::rrtype::kA;
    for (std::size_t i = 0; i < n; ++i) {
      const dns::NameRdata* target = ptr.records[i].target();
      if (target == nullptr) continue;
      const std::string name = canonical_name(target->name);
      Answer addrs = co_await query(name, type);
      // §5.5: a DNS error on this lookup skips the name.
      for (const auto& text : addrs.addresses()) {
        auto ip = policy::spf::parse_ip(text);
        if (ip && *ip == in_.ip) {
          out.push_back(name);
          break;
        }
      }
    }
  }
  validated_ = out;
  co_return out;
}

asio::awaitable<TermResult> Evaluator::addresses_match(const std::string& name, int cidr4,
                                                       int cidr6, bool count_as_void) {
  const std::uint16_t type = in_.ip.v6 ? dns::rrtype::kAaaa : dns::rrtype::kA;
  Answer a = co_await query(name, type);
  if (!a.is_answer()) co_return TermResult::fail(SpfResult::kTempError, dns_failure(name, type, a));
  if (is_void(a)) {
    std::string why = fmt::format("{} has no {} records", name, dns::type_name(type));
    co_return count_as_void ? void_result(std::move(why)) : TermResult::no_match(std::move(why));
  }
  for (const auto& text : a.addresses()) {
    auto ip = policy::spf::parse_ip(text);
    if (ip && in_.ip.in_network(*ip, in_.ip.v6 ? cidr6 : cidr4)) {
      co_return TermResult::match(fmt::format("{} has {}", name, ip->text()));
    }
  }
  co_return TermResult::no_match(
      fmt::format("none of the {} address(es) of {} matches", a.records.size(), name));
}

asio::awaitable<TermResult> Evaluator::mx_term(const Directive& d, const std::string& name) {
  Answer mx = co_await query(name, dns::rrtype::kMx);
  if (!mx.is_answer()) {
    co_return TermResult::fail(SpfResult::kTempError, dns_failure(name, dns::rrtype::kMx, mx));
  }
  if (is_void(mx)) co_return void_result(fmt::format("{} has no MX records", name));
  // §4.6.4: an mx term may look up addresses for at most 10 MX names.
  if (mx.records.size() > static_cast<std::size_t>(lim_.mx_names)) {
    co_return TermResult::fail(
        SpfResult::kPermError,
        fmt::format("{} has {} MX records; SPF allows at most {} per mx term (§4.6.4)", name,
                    mx.records.size(), lim_.mx_names));
  }
  for (const auto& rec : mx.records) {
    const dns::MxRdata* rdata = rec.mx();
    if (rdata == nullptr) continue;
    const std::string host = canonical_name(rdata->exchange);
    if (host.empty() || host == ".") continue;  // null MX (RFC 7505)
    TermResult r = co_await addresses_match(host, d.cidr4, d.cidr6, false);
    if (r.kind != TermResult::kNoMatch) co_return r;
  }
  co_return TermResult::no_match(fmt::format("no MX host of {} has the address", name));
}

asio::awaitable<TermResult> Evaluator::ptr_term(const std::string& name) {
  bool err = false;
  const auto names = co_await validated_names(err);
  // §5.5: a DNS error on the PTR lookup means no match, not an error.
  if (err) co_return TermResult::no_match("the PTR lookup failed");
  const std::string target_name = canonical_name(name);
  for (const auto& n : names) {
    if (same_or_subdomain(n, target_name)) {
      co_return TermResult::match(fmt::format("validated name {}", n));
    }
  }
  co_return TermResult::no_match("no validated PTR name in " + target_name);
}

asio::awaitable<TermResult> Evaluator::exists_term(const std::string& name) {
  // §5.7: always an A query, whatever the client's address family.
  Answer a = co_await query(name, dns::rrtype::kA);
  if (!a.is_answer()) {
    co_return TermResult::fail(SpfResult::kTempError, dns_failure(name, dns::rrtype::kA, a));
  }
  if (is_void(a)) co_return void_result(name + " does not exist");
  co_return TermResult::match(name + " exists");
}

asio::awaitable<TermResult> Evaluator::include_term(const std::string& name, int depth) {
  Verdict child = co_await check(name, depth + 1);
  // §5.2: pass matches; fail, softfail and neutral do not; errors propagate; none is a permerror.
  switch (child.result) {
    case SpfResult::kPass:
      co_return TermResult::match("included " + name + ": pass");
    case SpfResult::kFail:
    case SpfResult::kSoftFail:
    case SpfResult::kNeutral:
      co_return TermResult::no_match(fmt::format("included {}: {}", name, to_string(child.result)));
    case SpfResult::kTempError:
      co_return TermResult::fail(SpfResult::kTempError, child.reason);
    case SpfResult::kPermError:
      co_return TermResult::fail(SpfResult::kPermError, child.reason);
    case SpfResult::kNone:
      break;
  }
  co_return TermResult::fail(SpfResult::kPermError,
                             fmt::format("include:{} has no SPF record ({})", name, child.reason));
}

asio::awaitable<TermResult> Evaluator::term(const Directive& d, const std::string& domain,
                                            int depth) {
  std::string why;
  std::string name = domain;
  if (!d.domain_spec.empty()) {
    auto t = co_await target(d.domain_spec, domain, why);
    if (!t) co_return TermResult::fail(SpfResult::kPermError, why);
    name = *t;
    // Syntax is checked before expansion, never after (§7.1): a macro that expands to something
    // that is not a domain name (an odd HELO, say) matches nothing. An include hands it to
    // check_host(), where it is "none" and so a permerror (§5.2).
    if (d.mechanism != Mechanism::kInclude && !valid_target(name)) {
      co_return TermResult::no_match(fmt::format("'{}' is not a valid domain name", name));
    }
  }
  switch (d.mechanism) {
    case Mechanism::kAll:
      co_return TermResult::match();
    case Mechanism::kIp4:
    case Mechanism::kIp6: {
      const int prefix = d.mechanism == Mechanism::kIp6 ? d.cidr6 : d.cidr4;
      if (in_.ip.in_network(d.network, prefix)) co_return TermResult::match();
      co_return TermResult::no_match();
    }
    case Mechanism::kA:
      co_return co_await addresses_match(name, d.cidr4, d.cidr6, true);
    case Mechanism::kMx:
      co_return co_await mx_term(d, name);
    case Mechanism::kPtr:
      co_return co_await ptr_term(name);
    case Mechanism::kExists:
      co_return co_await exists_term(name);
    case Mechanism::kInclude:
      co_return co_await include_term(name, depth);
  }
  co_return TermResult::no_match();
}

asio::awaitable<std::optional<Verdict>> Evaluator::select_record(const std::string& domain,
                                                                 int depth, std::string& text) {
  if (!valid_target(domain)) {
    trace(depth, domain, "record", "", "not a valid domain name: none");
    co_return Verdict::of(SpfResult::kNone, fmt::format("'{}' is not a valid domain name", domain));
  }
  Answer txt = co_await query(domain, dns::rrtype::kTxt);
  if (!txt.is_answer()) {
    const std::string why = dns_failure(domain, dns::rrtype::kTxt, txt);
    trace(depth, domain, "record", "", why);
    co_return Verdict::of(SpfResult::kTempError, why);
  }
  std::vector<std::string> spf;
  for (const auto& rec : txt.records) {
    std::string joined = rec.txt();  // §3.3: the strings are concatenated without spaces
    if (policy::spf::is_spf_record(joined)) spf.push_back(std::move(joined));
  }
  if (spf.empty()) {
    const std::string why = fmt::format(
        "{} publishes no SPF record ({})", domain,
        is_void(txt) ? std::string(dns::to_string(txt.outcome))
                     : fmt::format("{} TXT record(s), none v=spf1", txt.records.size()));
    trace(depth, domain, "record", "", why);
    co_return Verdict::of(SpfResult::kNone, why);
  }
  if (spf.size() > 1) {
    const std::string why = fmt::format(
        "{} publishes {} SPF records; exactly one is allowed (§4.5)", domain, spf.size());
    trace(depth, domain, "record", "", why);
    co_return Verdict::of(SpfResult::kPermError, why);
  }
  text = std::move(spf.front());
  co_return std::nullopt;
}

// §6.1: redirect only when nothing matched, and never when the record has "all".
asio::awaitable<Verdict> Evaluator::redirect(const policy::spf::Record& record,
                                             const std::string& domain, int depth) {
  if (++ev_.lookup_terms > lim_.lookup_terms) {
    const std::string why = fmt::format("more than {} DNS-querying terms (§4.6.4), at {}",
                                        lim_.lookup_terms, record.redirect->text);
    trace(depth, domain, "limit", record.redirect->text, why);
    co_return Verdict::of(SpfResult::kPermError, why);
  }
  std::string why;
  auto t = co_await target(record.redirect->value, domain, why);
  if (!t) {
    trace(depth, domain, "redirect", record.redirect->text, "permerror: " + why);
    co_return Verdict::of(SpfResult::kPermError, why);
  }
  trace(depth, domain, "redirect", record.redirect->text, "to " + *t);
  Verdict child = co_await check(*t, depth + 1);
  if (child.result == SpfResult::kNone) {
    // §6.1: a redirect target without an SPF record is a permerror.
    child.result = SpfResult::kPermError;
    child.reason = fmt::format("redirect={} has no SPF record ({})", *t, child.reason);
  }
  co_return child;
}

asio::awaitable<Verdict> Evaluator::check(std::string domain, int depth) {
  domain = canonical_name(domain);
  std::string text;
  if (auto ended = co_await select_record(domain, depth, text)) co_return *ended;
  if (depth == 0) ev_.record = text;
  auto parsed = policy::spf::parse_record(text);
  if (!parsed.ok()) {
    const std::string why =
        fmt::format("syntax error in {}'s SPF record: {}", domain, parsed.errors.front().message);
    trace(depth, domain, "record", text, why);
    co_return Verdict::of(SpfResult::kPermError, why);
  }
  trace(depth, domain, "record", text, "selected");
  const auto& record = parsed.record;

  for (const auto& d : record.directives) {
    if (d.counts_lookup() && ++ev_.lookup_terms > lim_.lookup_terms) {
      const std::string why = fmt::format("more than {} DNS-querying terms (§4.6.4), at {} in {}",
                                          lim_.lookup_terms, d.text, domain);
      trace(depth, domain, "limit", d.text, why);
      co_return Verdict::of(SpfResult::kPermError, why);
    }
    TermResult r = co_await term(d, domain, depth);
    if (r.kind == TermResult::kAbort) {
      trace(depth, domain, "term", d.text, fmt::format("{}: {}", to_string(r.abort), r.why));
      co_return Verdict::of(r.abort, r.why);
    }
    const bool matched = r.kind == TermResult::kMatch;
    trace(depth, domain, "term", d.text,
          matched ? (r.why.empty() ? "match" : "match: " + r.why)
                  : (r.why.empty() ? "no match" : "no match: " + r.why));
    if (matched) {
      Verdict o = Verdict::of(from_qualifier(d.qualifier),
                              fmt::format("{} matched in {}'s record", d.text, domain));
      if (o.result == SpfResult::kFail && record.exp) {
        o.exp_spec = record.exp->value;
        o.exp_domain = domain;
      }
      co_return o;
    }
  }
  if (record.redirect && !record.has_all()) co_return co_await redirect(record, domain, depth);
  co_return Verdict::of(
      SpfResult::kNeutral,
      fmt::format("no term matched in {}'s record (default neutral, §4.7)", domain));
}

asio::awaitable<std::string> Evaluator::explain(const Verdict& o) {
  std::string fallback = in_.default_explanation;
  if (fallback.empty()) {
    fallback = fmt::format("{} is not authorised to send mail for {} (SPF fail)", in_.ip.text(),
                           canonical_name(in_.domain));
  }
  if (!o.exp_spec) co_return fallback;
  // §6.2: any problem with the explanation means "as if there were no exp=", never an error.
  std::string why;
  auto name = co_await target(*o.exp_spec, o.exp_domain, why);
  if (name && !valid_target(*name)) {
    why = fmt::format("'{}' is not a valid domain name", *name);
    name.reset();
  }
  if (!name) {
    trace(0, o.exp_domain, "exp", *o.exp_spec, "ignored: " + why);
    co_return fallback;
  }
  Answer txt = co_await query(*name, dns::rrtype::kTxt);
  if (!txt.has_data() || txt.records.size() != 1) {
    trace(0, o.exp_domain, "exp", *name,
          fmt::format("ignored: {} TXT record(s) ({})", txt.records.size(),
                      dns::to_string(txt.outcome)));
    co_return fallback;
  }
  const std::string text = txt.records.front().txt();
  const policy::spf::MacroContext ctx = co_await macro_context(text, o.exp_domain);
  auto expanded = policy::spf::expand(text, ctx, true);
  if (!expanded) {
    trace(0, o.exp_domain, "exp", *name, "ignored: " + expanded.error().message);
    co_return fallback;
  }
  trace(0, o.exp_domain, "exp", *name, "explanation found");
  co_return *expanded;
}

}  // namespace

std::string_view to_string(SpfResult r) {
  switch (r) {
    case SpfResult::kNone:
      return "none";
    case SpfResult::kNeutral:
      return "neutral";
    case SpfResult::kPass:
      return "pass";
    case SpfResult::kFail:
      return "fail";
    case SpfResult::kSoftFail:
      return "softfail";
    case SpfResult::kTempError:
      return "temperror";
    case SpfResult::kPermError:
      return "permerror";
  }
  return "?";
}

std::string presentation_name(std::string_view raw) {
  // The same escaping ldns uses when it prints a name (host2str), so that names we ask for and
  // names in answers compare equal as text: \c for the zone-file specials, \DDD for octets that
  // are not printable ASCII, everything else as is.
  std::string out;
  for (unsigned char c : raw) {
    if (c == ';' || c == '(' || c == ')' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c <= 0x20 || c >= 0x7f) {
      out += fmt::format("\\{:03d}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool valid_target(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253 || name.front() == '[') return false;
  if (policy::spf::parse_ip(name)) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::size_t len = (dot == std::string_view::npos ? name.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;  // §4.3: a multi-label domain name
}

asio::awaitable<Evaluation> check_host(Lookup lookup, EvalInput input, EvalLimits limits) {
  // An IPv4-mapped IPv6 client (::ffff:192.0.2.1) is an IPv4 client.
  auto& b = input.ip.bytes;
  if (input.ip.v6 && std::all_of(b.begin(), b.begin() + 10, [](auto x) { return x == 0; }) &&
      b[10] == 0xff && b[11] == 0xff) {
    IpAddress v4;
    std::copy(b.begin() + 12, b.end(), v4.bytes.begin());
    input.ip = v4;
  }
  Evaluation ev;
  Evaluator e(std::move(lookup), input, limits, ev);
  Verdict o = co_await e.check(input.domain, 0);
  ev.result = o.result;
  ev.reason = o.reason;
  if (o.result == SpfResult::kFail) ev.explanation = co_await e.explain(o);
  co_return ev;
}

}  // namespace mc::checks::spf
