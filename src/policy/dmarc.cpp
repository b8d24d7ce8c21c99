// dmarc.cpp - see dmarc.hpp. Section numbers are RFC 7489 unless marked RFC 9989.
#include "policy/dmarc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "policy/text.hpp"

namespace mc::policy::dmarc {
namespace {

using text::lower;
using text::to_lower;
inline std::string_view trim(std::string_view s) { return text::trim_fws(s); }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Policy> parse_policy(std::string_view v) {
  const std::string l = to_lower(v);
  if (l == "none") return Policy::kNone;
  if (l == "quarantine") return Policy::kQuarantine;
  if (l == "reject") return Policy::kReject;
  return std::nullopt;
}

// A host name as it may appear in a report address: LDH labels, at least two.
bool plausible_host(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
  int labels = 1;
  std::size_t run = 0;
  for (char c : h) {
    if (c == '.') {
      if (run == 0) return false;
      ++labels;
      run = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++run > 63) return false;
  }
  return run > 0 && labels >= 2;
}

struct Tag {
  std::size_t pos;
  std::string name;
  std::string_view value;
};

}  // namespace

std::string_view to_string(RuleSet r) { return r == RuleSet::kRfc9989 ? "rfc9989" : "rfc7489"; }

bool applies(Scope s, RuleSet r) {
  return s == Scope::kBoth || (s == Scope::kRfc9989) == (r == RuleSet::kRfc9989);
}

bool Record::has_valid_rua() const {
  return std::any_of(rua.begin(), rua.end(), [](const ReportUri& u) { return u.valid; });
}

bool ParseResult::ok(RuleSet r) const {
  return std::none_of(errors.begin(), errors.end(),
                      [&](const Diagnostic& d) { return applies(d.scope, r); });
}

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::kNone:
      return "none";
    case Policy::kQuarantine:
      return "quarantine";
    case Policy::kReject:
      return "reject";
  }
  return "?";
}

ReportUri parse_uri(std::string_view text) {
  ReportUri u;
  text = trim(text);
  u.text = std::string(text);
  std::string_view uri = text;
  // §6.2: an optional "!" size limit, digits and a unit (k, m, g, t: powers of 2^10).
  if (const std::size_t bang = text.rfind('!'); bang != std::string_view::npos) {
    std::string_view size = text.substr(bang + 1);
    std::uint64_t mult = 1;
    if (!size.empty() && std::string_view("kmgtKMGT").find(size.back()) != std::string_view::npos) {
      const int shift =
          10 * (1 + static_cast<int>(std::string_view("kmgt").find(lower(size.back()))));
      mult = std::uint64_t{1} << shift;
      size.remove_suffix(1);
    }
    if (!all_digits(size) || size.size() > 19) {
      u.error = fmt::format("bad size limit '{}' (digits, then k, m, g or t)", text.substr(bang));
      return u;
    }
    const std::uint64_t n = std::stoull(std::string(size));
    if (n > std::numeric_limits<std::uint64_t>::max() / mult) {
      u.error = "the size limit does not fit in 64 bits";
      return u;
    }
    u.max_size = n * mult;
    uri = text.substr(0, bang);
  }
  u.uri = std::string(uri);
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    u.error = fmt::format("'{}' is not a URI (expected e.g. mailto:reports@example.com)", uri);
    return u;
  }
  u.scheme = to_lower(uri.substr(0, colon));
  std::string_view rest = uri.substr(colon + 1);
  if (u.scheme == "mailto") {
    rest = rest.substr(0, rest.find('?'));
    const std::size_t at = rest.rfind('@');
    if (at == std::string_view::npos || at == 0 || !plausible_host(rest.substr(at + 1))) {
      u.error = fmt::format("'{}' is not a mail address", rest);
      return u;
    }
    u.mailbox = std::string(rest);
    u.host = to_lower(rest.substr(at + 1));
  } else if (u.scheme == "https" || u.scheme == "http") {
    if (rest.substr(0, 2) != "//") {
      u.error = fmt::format("'{}' has no host", uri);
      return u;
    }
    rest.remove_prefix(2);
    const std::string_view host = rest.substr(0, rest.find_first_of(":/?#"));
    if (!plausible_host(host)) {
      u.error = fmt::format("'{}' has no valid host", uri);
      return u;
    }
    u.host = to_lower(host);
  }
  u.valid = true;
  return u;
}

bool is_dmarc_record(std::string_view txt) {
  txt = trim(txt);
  if (txt.empty() || lower(txt.front()) != 'v') return false;
  txt = trim(txt.substr(1));
  if (txt.empty() || txt.front() != '=') return false;
  txt = trim(txt.substr(1));
  // §6.4: "DMARC1" exactly (%x44 %x4d %x41 %x52 %x43 %x31), then the end or a separator.
  if (txt.substr(0, 6) != "DMARC1") return false;
  const std::string_view after = trim(txt.substr(6));
  return after.empty() || after.front() == ';';
}

ParseResult parse_dmarc(std::string_view txt) {
  ParseResult out;
  Record& r = out.record;
  std::vector<Tag> tags;
  std::size_t start = 0;
  while (start <= txt.size()) {
    std::size_t end = txt.find(';', start);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view raw = txt.substr(start, end - start);
    const std::string_view part = trim(raw);
    if (!part.empty()) {
      const std::size_t pos = start + static_cast<std::size_t>(part.data() - raw.data());
      const std::size_t eq = part.find('=');
      const std::string name =
          eq == std::string_view::npos ? "" : to_lower(trim(part.substr(0, eq)));
      const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!name_ok) {
        // §6.3, RFC 9989 §4.8: syntax errors in the rest of the record are discarded.
        out.warnings.push_back(
            {pos, "", fmt::format("'{}' is not a tag=value pair; receivers ignore it", part)});
      } else if (std::any_of(tags.begin(), tags.end(),
                             [&](const Tag& t) { return t.name == name; })) {
        // RFC 6376 §3.2 tag-lists (used by §6.4 and RFC 9989 §4.7): a repeated tag makes the
        // list invalid. Implementations differ (first value, last value, record void), so the
        // strictest reading is the one every receiver shares.
        out.errors.push_back({pos, name,
                              fmt::format("tag '{}' appears more than once (receivers differ on "
                                          "which value counts, or void the record)",
                                          name)});
      } else {
        tags.push_back({pos, name, trim(part.substr(eq + 1))});
      }
    }
    if (end == txt.size()) break;
    start = end + 1;
  }
  if (tags.empty() || tags.front().name != "v" || tags.front().value != "DMARC1") {
    out.errors.insert(out.errors.begin(),
                      {0, "v", "the record must start with v=DMARC1 (exactly, upper case)"});
  }
  auto warn = [&](const Tag& t, std::string m) {
    out.warnings.push_back({t.pos, t.name, std::move(m)});
  };
  auto error = [&](const Tag& t, std::string m) {
    out.errors.push_back({t.pos, t.name, std::move(m)});
  };
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const Tag& t = tags[i];
    r.tags.push_back(t.name);
    const std::string_view v = t.value;
    if (t.name == "v") {
      if (i != 0) error(t, "v must be the first tag");
    } else if (t.name == "p" || t.name == "sp" || t.name == "np") {
      auto pol = parse_policy(v);
      if (!pol) {
        // §6.6.3 step 6: an invalid p or sp: act as p=none if rua is valid, else no DMARC.
        // RFC 9989 §4.10.1 makes the same rule a MUST and extends it to np, which RFC 7489
        // receivers do not know (they ignore it).
        std::string m = fmt::format("{}={} is not none, quarantine or reject", t.name, v);
        out.errors.push_back(
            {t.pos, t.name, std::move(m), t.name == "np" ? Scope::kRfc9989 : Scope::kBoth});
      } else if (t.name == "p") {
        r.p = pol;
        r.p_second = i == 1;
      } else {
        (t.name == "sp" ? r.sp : r.np) = pol;
      }
    } else if (t.name == "adkim" || t.name == "aspf") {
      const std::string l = to_lower(v);
      if (l != "r" && l != "s") {
        warn(t, fmt::format("{}={} is not r or s; relaxed applies", t.name, v));
      } else {
        (t.name == "adkim" ? r.adkim : r.aspf) = l[0];
      }
    } else if (t.name == "fo") {
      bool ok = !v.empty();
      std::size_t s = 0;
      while (ok && s <= v.size()) {
        std::size_t e = v.find(':', s);
        if (e == std::string_view::npos) e = v.size();
        const std::string o = to_lower(trim(v.substr(s, e - s)));
        ok = o == "0" || o == "1" || o == "d" || o == "s";
        if (e == v.size()) break;
        s = e + 1;
      }
      if (ok) {
        r.fo = std::string(v);
      } else {
        warn(t, fmt::format("fo={} is not a colon-separated list of 0, 1, d and s", v));
      }
    } else if (t.name == "pct") {
      r.obsolete.push_back(t.name);  // RFC 9989 App. A.6, C.5.2: ignored by its receivers
      if (!all_digits(v) || v.size() > 3 || std::stoi(std::string(v)) > 100) {
        warn(t, fmt::format("pct={} is not 0-100; 100 applies", v));
      } else {
        r.pct = std::stoi(std::string(v));
        r.pct_given = true;
      }
    } else if (t.name == "ri") {
      r.obsolete.push_back(t.name);
      if (!all_digits(v) || v.size() > 10 || std::stoull(std::string(v)) > 0xffffffffULL) {
        warn(t, fmt::format("ri={} is not a 32-bit number of seconds", v));
      } else {
        r.ri = static_cast<std::uint32_t>(std::stoull(std::string(v)));
      }
    } else if (t.name == "rf") {
      r.obsolete.push_back(t.name);
      if (to_lower(v) != "afrf") warn(t, fmt::format("rf={}: only afrf is defined", v));
    } else if (t.name == "rua" || t.name == "ruf") {
      auto& list = t.name == "rua" ? r.rua : r.ruf;
      std::size_t s = 0;
      while (s <= v.size()) {
        std::size_t e = v.find(',', s);
        if (e == std::string_view::npos) e = v.size();
        ReportUri u = parse_uri(v.substr(s, e - s));
        if (!u.valid) warn(t, fmt::format("{}: {}", t.name, u.error));
        if (u.max_size) r.size_limits = true;
        list.push_back(std::move(u));
        if (e == v.size()) break;
        s = e + 1;
      }
    } else if (t.name == "psd") {
      const std::string l = to_lower(v);
      if (l != "y" && l != "n" && l != "u") {
        warn(t, fmt::format("psd={} is not y, n or u", v));
      } else {
        r.psd = l[0];
      }
    } else if (t.name == "t") {
      const std::string l = to_lower(v);
      if (l != "y" && l != "n") {
        warn(t, fmt::format("t={} is not y or n", v));
      } else {
        r.testing = l == "y";
      }
    } else {
      r.unknown.push_back(t.name);
    }
  }
  if (!r.p && std::none_of(out.errors.begin(), out.errors.end(),
                           [](const Diagnostic& d) { return d.tag == "p"; })) {
    // RFC 7489 §6.3 requires p; RFC 9989 §4.7 only recommends it and reads a record without
    // it as p=none.
    out.errors.push_back(
        {txt.size(), "p", "the p= tag is missing (RFC 7489 requires it)", Scope::kRfc7489});
  }
  return out;
}

}  // namespace mc::policy::dmarc
