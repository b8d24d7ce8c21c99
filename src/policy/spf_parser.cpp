// spf_parser.cpp - see spf_parser.hpp. The grammar is RFC 7208 §12 (ABNF); section numbers below
// point at the prose each decision follows.
#include "policy/spf_parser.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/text.hpp"
#include "policy/text.hpp"

namespace mc::policy::spf {
namespace {

using text::lower;
using text::to_lower;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

Diagnostic error_at(std::size_t pos, std::size_t len, std::string message) {
  return Diagnostic{pos, len, std::move(message)};
}

// toplabel (§7.1): ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(std::string_view s) {
  if (s.empty()) return false;
  if (std::all_of(s.begin(), s.end(), is_alnum)) return std::any_of(s.begin(), s.end(), is_alpha);
  if (!is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// parse_cidr_digits - "/N" lengths: "0" or a nonzero digit followed by at most max_digits-1 more
// digits (ABNF forbids leading zeros), at most max_value.
std::optional<int> parse_cidr_digits(std::string_view digits, std::size_t max_digits,
                                     int max_value) {
  if (digits.empty() || digits.size() > max_digits) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), is_digit)) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (v > max_value) return std::nullopt;
  return v;
}

struct TermParser {
  std::string_view term;  // the whole term as written
  std::size_t pos;        // its offset in the record
  std::vector<Diagnostic>& errors;

  void fail(std::string message) {
    errors.push_back(error_at(pos, term.size(), fmt::format("{}: {}", printable(term), message)));
  }
  std::nullopt_t bad(std::string message) {
    fail(std::move(message));
    return std::nullopt;
  }

  // dual_cidr - strip "[/N4][//N6]" from the end of `rest` into d (a, mx).
  bool dual_cidr(std::string_view& rest, Directive& d) {
    auto slash_digits = [](std::string_view s) {
      std::size_t i = s.size();
      while (i > 0 && is_digit(s[i - 1])) --i;
      return i;  // index of the first trailing digit
    };
    std::size_t i = slash_digits(rest);
    if (i < rest.size() && i >= 2 && rest[i - 1] == '/' && rest[i - 2] == '/') {
      auto v = parse_cidr_digits(rest.substr(i), 3, 128);
      if (!v) {
        fail(fmt::format("bad IPv6 prefix length '{}' (0-128, no leading zeros)", rest.substr(i)));
        return false;
      }
      d.cidr6 = *v;
      rest = rest.substr(0, i - 2);
      i = slash_digits(rest);
    }
    if (i < rest.size() && i >= 1 && rest[i - 1] == '/') {
      auto v = parse_cidr_digits(rest.substr(i), 2, 32);
      if (!v) {
        fail(fmt::format("bad IPv4 prefix length '{}' (0-32, no leading zeros)", rest.substr(i)));
        return false;
      }
      d.cidr4 = *v;
      rest = rest.substr(0, i - 1);
    }
    return true;
  }

  bool domain_spec(std::string_view spec, Directive& d) {
    if (auto e = check_domain_spec(spec)) {
      fail(e->message);
      return false;
    }
    d.domain_spec = std::string(spec);
    return true;
  }

  std::optional<Directive> directive() {
    Directive d;
    d.pos = pos;
    d.text = std::string(term);
    std::string_view t = term;
    switch (t.front()) {
      case '+':
        d.qualifier = Qualifier::kPass;
        t.remove_prefix(1);
        break;
      case '-':
        d.qualifier = Qualifier::kFail;
        t.remove_prefix(1);
        break;
      case '~':
        d.qualifier = Qualifier::kSoftFail;
        t.remove_prefix(1);
        break;
      case '?':
        d.qualifier = Qualifier::kNeutral;
        t.remove_prefix(1);
        break;
      default:
        break;
    }
    // The mechanism name runs up to ':' or '/' (§4.6.1: case-insensitive).
    const std::size_t end = t.find_first_of(":/");
    const std::string name = to_lower(t.substr(0, end));
    std::string_view rest = end == std::string_view::npos ? std::string_view() : t.substr(end);
    const bool colon = !rest.empty() && rest.front() == ':';
    if (colon) rest.remove_prefix(1);

    if (name == "all") {
      if (end != std::string_view::npos) return bad("'all' takes no argument");
      d.mechanism = Mechanism::kAll;
      return d;
    }
    if (name == "include" || name == "exists") {
      d.mechanism = name == "include" ? Mechanism::kInclude : Mechanism::kExists;
      if (!colon) return bad(fmt::format("'{}' needs ':domain'", name));
      if (rest.empty()) return bad("empty domain");
      if (!domain_spec(rest, d)) return std::nullopt;
      return d;
    }
    if (name == "a" || name == "mx") {
      d.mechanism = name == "a" ? Mechanism::kA : Mechanism::kMx;
      if (!colon) {
        // "a", "a/24", "mx//64": only a CIDR suffix may follow.
        if (!dual_cidr(rest, d)) return std::nullopt;
        if (!rest.empty()) return bad("unexpected text after the mechanism");
        return d;
      }
      if (!dual_cidr(rest, d)) return std::nullopt;
      if (rest.empty()) return bad("empty domain");
      if (!domain_spec(rest, d)) return std::nullopt;
      return d;
    }
    if (name == "ptr") {
      d.mechanism = Mechanism::kPtr;
      if (end == std::string_view::npos) return d;
      if (!colon) return bad("'ptr' takes no prefix length");
      if (rest.empty()) return bad("empty domain");
      if (!domain_spec(rest, d)) return std::nullopt;
      return d;
    }
    if (name == "ip4" || name == "ip6") {
      const bool v6 = name == "ip6";
      d.mechanism = v6 ? Mechanism::kIp6 : Mechanism::kIp4;
      if (!colon) return bad(fmt::format("'{}' needs ':address'", name));
      const std::size_t slash = rest.find('/');
      const std::string_view addr = rest.substr(0, slash);
      auto ip = parse_ip(addr);
      if (!ip || ip->v6 != v6) {
        return bad(fmt::format("'{}' is not an {} address", printable(addr),
                               v6 ? "IPv6" : "IPv4 (dotted quad)"));
      }
      d.network = *ip;
      if (slash != std::string_view::npos) {
        auto v = parse_cidr_digits(rest.substr(slash + 1), v6 ? 3 : 2, v6 ? 128 : 32);
        if (!v) {
          return bad(fmt::format("bad prefix length '{}' ({}, no leading zeros)",
                                 printable(rest.substr(slash + 1)), v6 ? "0-128" : "0-32"));
        }
        (v6 ? d.cidr6 : d.cidr4) = *v;
      }
      return d;
    }
    fail(name.empty() ? std::string("empty mechanism")
                      : fmt::format("unknown mechanism '{}'", printable(name)));
    return std::nullopt;
  }
};

// macro_token_end - given s[i] == '%', the index after the macro-expand or literal escape, or
// npos with `why` set.
std::size_t macro_token_end(std::string_view s, std::size_t i, bool explanation, std::string& why) {
  if (i + 1 >= s.size()) {
    why = "'%' at the end (write %% for a literal percent sign)";
    return std::string_view::npos;
  }
  const char next = s[i + 1];
  if (next == '%' || next == '_' || next == '-') return i + 2;
  if (next != '{') {
    why = fmt::format("'%{}' is not a macro (use %{{letter}}, %%, %_ or %-)",
                      printable(s.substr(i + 1, 1)));
    return std::string_view::npos;
  }
  std::size_t j = i + 2;
  if (j >= s.size()) {
    why = "unterminated macro";
    return std::string_view::npos;
  }
  const char letter = lower(s[j]);
  if (std::strchr("slodiphv", letter) == nullptr || letter == '\0') {
    if (letter != '\0' && std::strchr("crt", letter) != nullptr) {
      if (!explanation) {
        why = fmt::format("macro letter '{}' is allowed only in explanation text (§7.2)", s[j]);
        return std::string_view::npos;
      }
    } else {
      why = fmt::format("unknown macro letter '{}'", printable(s.substr(j, 1)));
      return std::string_view::npos;
    }
  }
  ++j;
  // transformers = *DIGIT [ "r" ]; the digit count, if given, must be nonzero (§7.3).
  const std::size_t digits_start = j;
  while (j < s.size() && is_digit(s[j])) ++j;
  if (j > digits_start) {
    const std::string_view digits = s.substr(digits_start, j - digits_start);
    if (digits.find_first_not_of('0') == std::string_view::npos) {
      why = "the macro part count must be nonzero";
      return std::string_view::npos;
    }
  }
  if (j < s.size() && lower(s[j]) == 'r') ++j;
  while (j < s.size() && std::strchr(".-+,/_=", s[j]) != nullptr && s[j] != '\0') ++j;
  if (j >= s.size() || s[j] != '}') {
    why = "bad macro (expected %{letter[digits][r][delimiters]})";
    return std::string_view::npos;
  }
  return j + 1;
}

}  // namespace

std::string_view to_string(Qualifier q) {
  switch (q) {
    case Qualifier::kPass:
      return "pass";
    case Qualifier::kFail:
      return "fail";
    case Qualifier::kSoftFail:
      return "softfail";
    case Qualifier::kNeutral:
      return "neutral";
  }
  return "?";
}

char symbol(Qualifier q) {
  switch (q) {
    case Qualifier::kPass:
      return '+';
    case Qualifier::kFail:
      return '-';
    case Qualifier::kSoftFail:
      return '~';
    case Qualifier::kNeutral:
      return '?';
  }
  return '?';
}

std::string_view to_string(Mechanism m) {
  switch (m) {
    case Mechanism::kAll:
      return "all";
    case Mechanism::kInclude:
      return "include";
    case Mechanism::kA:
      return "a";
    case Mechanism::kMx:
      return "mx";
    case Mechanism::kPtr:
      return "ptr";
    case Mechanism::kIp4:
      return "ip4";
    case Mechanism::kIp6:
      return "ip6";
    case Mechanism::kExists:
      return "exists";
  }
  return "?";
}

std::string IpAddress::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::in_network(const IpAddress& network, int prefix) const {
  if (v6 != network.v6) return false;
  const int max = v6 ? 128 : 32;
  prefix = std::clamp(prefix, 0, max);
  const int whole = prefix / 8;
  if (!std::equal(bytes.begin(), bytes.begin() + whole, network.bytes.begin())) return false;
  const int bits = prefix % 8;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (bytes[whole] & mask) == (network.bytes[whole] & mask);
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  IpAddress ip;
  if (text.find(':') != std::string_view::npos) {
    if (text.size() > 45) return std::nullopt;
    const std::string s(text);
    if (::inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
    ip.v6 = true;
    return ip;
  }
  // dec-octet "." dec-octet "." dec-octet "." dec-octet, each 0-255 without leading zeros.
  std::size_t start = 0;
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = part < 3 ? text.find('.', start) : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto v = parse_cidr_digits(text.substr(start, dot - start), 3, 255);
    if (!v) return std::nullopt;
    ip.bytes[part] = static_cast<std::uint8_t>(*v);
    start = dot + 1;
  }
  return ip;
}

bool Directive::counts_lookup() const {
  switch (mechanism) {
    case Mechanism::kInclude:
    case Mechanism::kA:
    case Mechanism::kMx:
    case Mechanism::kPtr:
    case Mechanism::kExists:
      return true;
    default:
      return false;
  }
}

bool Record::has_all() const {
  return std::any_of(directives.begin(), directives.end(),
                     [](const Directive& d) { return d.mechanism == Mechanism::kAll; });
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= 6 && iequals(txt.substr(0, 6), "v=spf1") &&
         (txt.size() == 6 || txt[6] == ' ');
}

std::optional<Diagnostic> check_macro_string(std::string_view s, bool explanation) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      std::string why;
      const std::size_t next = macro_token_end(s, i, explanation, why);
      if (next == std::string_view::npos) return error_at(i, s.size() - i, why);
      i = next;
      continue;
    }
    // macro-literal = %x21-24 / %x26-7E; an explain-string also allows SP between its parts.
    const bool ok = (c >= 0x21 && c <= 0x7e) || (explanation && c == ' ');
    if (!ok) {
      return error_at(i, 1,
                      fmt::format("character '{}' is not allowed here", printable(s.substr(i, 1))));
    }
    ++i;
  }
  return std::nullopt;
}

std::optional<Diagnostic> check_domain_spec(std::string_view s) {
  if (s.empty()) return error_at(0, 0, "empty domain");
  if (auto e = check_macro_string(s, false)) return e;
  // domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1). Find where the trailing literal
  // text starts: after the last macro-expand, if any.
  std::size_t literal_start = 0;
  bool ends_with_macro = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      std::string why;
      i = macro_token_end(s, i, false, why);
      literal_start = i;
      ends_with_macro = i == s.size();
      continue;
    }
    ++i;
  }
  if (ends_with_macro) return std::nullopt;
  std::string_view tail = s.substr(literal_start);
  if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
  const std::size_t dot = tail.rfind('.');
  if (dot == std::string_view::npos || !valid_toplabel(tail.substr(dot + 1))) {
    return error_at(0, s.size(),
                    fmt::format("'{}' does not end in a valid top-level label (§4.8: a name "
                                "like example.com, not a bare label or an IP address)",
                                printable(s)));
  }
  return std::nullopt;
}

ParseResult parse_record(std::string_view text) {
  ParseResult out;
  if (!is_spf_record(text)) {
    out.errors.push_back(error_at(0, std::min<std::size_t>(text.size(), 6),
                                  "the record must start with 'v=spf1' and a space"));
    return out;
  }
  std::size_t i = 6;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', i), text.size());
    const std::string_view term = text.substr(i, end - i);
    TermParser tp{term, i, out.errors};
    // A modifier is name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    std::size_t n = 0;
    if (is_alpha(term[0])) {
      n = 1;
      while (n < term.size() &&
             (is_alnum(term[n]) || term[n] == '-' || term[n] == '_' || term[n] == '.')) {
        ++n;
      }
    }
    if (n > 0 && n < term.size() && term[n] == '=') {
      Modifier m{to_lower(term.substr(0, n)), std::string(term.substr(n + 1)), i,
                 std::string(term)};
      if (m.name == "redirect" || m.name == "exp") {
        auto& slot = m.name == "redirect" ? out.record.redirect : out.record.exp;
        if (slot) {
          tp.fail(fmt::format("'{}' appears more than once (§6)", m.name));
        } else if (auto e = check_domain_spec(m.value)) {
          tp.fail(e->message);
        } else {
          slot = std::move(m);
        }
      } else if (auto e = check_macro_string(m.value, false)) {
        tp.fail(e->message);
      } else {
        out.record.unknown_modifiers.push_back(std::move(m));
      }
    } else if (auto d = tp.directive()) {
      out.record.directives.push_back(std::move(*d));
    }
    i = end;
  }
  return out;
}

}  // namespace mc::policy::spf
