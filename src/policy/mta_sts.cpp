// mta_sts.cpp - see mta_sts.hpp. Section numbers are RFC 8461.
#include "policy/mta_sts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.hpp"
#include "policy/text.hpp"

namespace mc::policy::mta_sts {
namespace {

using text::lower;
using text::to_lower;
using text::trim;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
// shown - a value for an error message: printable, cut after 80 octets with "...".
std::string shown(std::string_view s) {
  return s.size() > 80 ? printable(s.substr(0, 80)) + "..." : printable(s);
}

// sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool valid_ext_name(std::string_view n) {
  if (n.empty() || n.size() > 32 || !is_alnum(n.front())) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// A host name in an mx pattern: LDH labels of 1-63 octets, at least two, no trailing dot (§3.2
// "Domain", from RFC 5321 §4.1.2).
bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  int labels = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
      return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

}  // namespace

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kTesting:
      return "testing";
    case Mode::kNone:
      return "none";
  }
  return "?";
}

bool is_sts_record(std::string_view txt) {
  // §3.1: "v=STSv1" (case-sensitive), then *WSP ";".
  if (txt.substr(0, 7) != "v=STSv1") return false;
  const std::string_view rest = trim(txt.substr(7));
  return !rest.empty() && rest.front() == ';';
}

TxtParse parse_txt(std::string_view txt) {
  TxtParse out;
  if (!is_sts_record(txt)) {
    out.errors.push_back("the record must start with v=STSv1;");
    return out;
  }
  bool id_seen = false;
  std::size_t start = txt.find(';') + 1;
  while (start <= txt.size()) {
    std::size_t end = txt.find(';', start);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view field = trim(txt.substr(start, end - start));
    if (!field.empty()) {
      const std::size_t eq = field.find('=');
      const std::string_view name = eq == field.npos ? field : field.substr(0, eq);
      const std::string_view value = eq == field.npos ? std::string_view() : field.substr(eq + 1);
      if (eq == field.npos) {
        out.errors.push_back(fmt::format("'{}' is not a name=value field", shown(field)));
      } else if (name == "id") {
        // sts-id = "id=" 1*32(ALPHA / DIGIT)
        if (id_seen) out.errors.push_back("id appears more than once");
        id_seen = true;
        if (value.empty() || value.size() > 32 ||
            !std::all_of(value.begin(), value.end(), is_alnum)) {
          out.errors.push_back(fmt::format("id={} is not 1-32 letters and digits", shown(value)));
        } else {
          out.record.id = std::string(value);
        }
      } else if (!valid_ext_name(name) || value.empty() ||
                 !std::all_of(value.begin(), value.end(), [](char c) {
                   return c > 0x20 && c < 0x7f && c != ';' && c != '=';
                 })) {
        out.errors.push_back(fmt::format("'{}' is not a valid extension field", shown(field)));
      } else {
        out.record.extensions.emplace_back(name);
      }
    }
    if (end == txt.size()) break;
    start = end + 1;
  }
  if (!id_seen) out.errors.push_back("the id field is missing");
  return out;
}

PolicyParse parse_policy(std::string_view body) {
  PolicyParse out;
  Policy& p = out.policy;
  out.policy.crlf = body.find("\r\n") != std::string_view::npos;
  std::size_t line_no = 0;
  std::size_t start = 0;
  bool version_first = false;
  std::size_t mx_lines = 0;  // valid or not
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    start = end + 1;
    const std::string_view t = trim(line);
    if (t.empty()) continue;  // tolerated: a blank line (e.g. a final empty line)
    const std::size_t colon = t.find(':');
    if (colon == std::string_view::npos) {
      out.errors.push_back({line_no, fmt::format("'{}' is not a key: value line", shown(t))});
      continue;
    }
    const std::string key(trim(t.substr(0, colon)));
    const std::string_view value = trim(t.substr(colon + 1));
    auto once = [&](bool seen) {
      if (seen)
        out.warnings.push_back({line_no, fmt::format("{} appears more than once; the first "
                                                     "is used",
                                                     key)});
      return !seen;
    };
    if (key == "version") {
      if (line_no == 1 || (!p.version && !p.mode && !p.max_age && p.mx.empty())) {
        version_first = true;
      }
      if (once(p.version.has_value())) {
        if (value != "STSv1") {
          out.errors.push_back({line_no, fmt::format("version {} is not STSv1", shown(value))});
        }
        p.version = std::string(value);
      }
    } else if (key == "mode") {
      if (once(p.mode.has_value())) {
        if (value == "enforce") {
          p.mode = Mode::kEnforce;
        } else if (value == "testing") {
          p.mode = Mode::kTesting;
        } else if (value == "none") {
          p.mode = Mode::kNone;
        } else {
          out.errors.push_back(
              {line_no, fmt::format("mode {} is not enforce, testing or none", shown(value))});
        }
      }
    } else if (key == "max_age") {
      if (once(p.max_age.has_value())) {
        const bool digits =
            !value.empty() && value.size() <= 10 &&
            std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
        const unsigned long long v = digits ? std::stoull(std::string(value)) : 0;
        if (!digits || v > kMaxMaxAge) {
          out.errors.push_back(
              {line_no, fmt::format("max_age {} is not a number of seconds from 0 to {}",
                                    shown(value), kMaxMaxAge)});
        } else {
          p.max_age = static_cast<std::uint32_t>(v);
        }
      }
    } else if (key == "mx") {
      // sts-policy-mx-value = ["*."] Domain: a wildcard only as the whole leftmost label.
      const std::string pattern = to_lower(value);
      const std::string_view host =
          std::string_view(pattern).substr(pattern.starts_with("*.") ? 2 : 0);
      ++mx_lines;
      if (!valid_domain(host)) {
        // Senders disagree on such a line (some normalise it, some match nothing, some may
        // void the policy); the strictest common reading is that it matches nothing.
        std::string problem = pattern.ends_with(".")               ? "a trailing dot"
                              : pattern.find("..") != pattern.npos ? "an empty label"
                              : host.find('*') != host.npos
                                  ? "a * that is not the whole leftmost label"
                                  : "not a host name or *.name pattern";
        out.warnings.push_back({line_no, fmt::format("mx {} is not RFC 8461 §3.2 syntax ({}): "
                                                     "strict senders match nothing with it",
                                                     shown(value), problem)});
        // Kept printable: it ends up in reports (non-ASCII cannot match a host name anyway).
        p.mx_malformed.push_back({line_no, shown(pattern), std::move(problem)});
      } else if (std::find(p.mx.begin(), p.mx.end(), pattern) != p.mx.end()) {
        out.warnings.push_back({line_no, fmt::format("mx {} is listed twice", pattern)});
      } else {
        p.mx.push_back(pattern);
      }
    } else if (valid_ext_name(key)) {
      p.extensions.push_back(key);  // §3.2: unknown keys are ignored
    } else {
      out.errors.push_back({line_no, fmt::format("'{}' is not a valid key", shown(key))});
    }
  }
  if (!p.version) out.errors.push_back({0, "the version line (version: STSv1) is missing"});
  if (p.version && !version_first) {
    out.warnings.push_back({0, "version is not the first line"});
  }
  if (!p.mode) out.errors.push_back({0, "the mode line is missing"});
  if (!p.max_age) out.errors.push_back({0, "the max_age line is missing"});
  if (mx_lines == 0 && p.mode != Mode::kNone) {
    out.errors.push_back({0, "no mx line: no MX host can match the policy"});
  }
  return out;
}

bool mx_matches(std::string_view pattern, std::string_view host) {
  const std::string p = to_lower(pattern), h = canonical_name(host);
  if (!valid_domain(std::string_view(p).substr(p.starts_with("*.") ? 2 : 0))) return false;
  if (p.starts_with("*.")) {
    // §4.1: the wildcard matches exactly one leftmost label.
    const std::string suffix = p.substr(1);  // ".example.com"
    if (h.size() <= suffix.size() || !h.ends_with(suffix)) return false;
    const std::string_view label(h.data(), h.size() - suffix.size());
    return !label.empty() && label.find('.') == std::string_view::npos;
  }
  return p == h;
}

namespace {

// normalised - dots cleaned up: no leading, trailing or doubled dots.
std::string normalised(std::string_view pattern) {
  std::string out;
  for (char c : pattern) {
    if (c == '.' && (out.empty() || out.back() == '.')) continue;
    out += lower(c);
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::vector<std::string_view> split_labels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace

bool mx_matches_lenient(std::string_view pattern, std::string_view host) {
  const std::string p = normalised(pattern), h = normalised(host);
  if (p.empty() || h.empty()) return false;
  const auto pl = split_labels(p), hl = split_labels(h);
  if (pl.size() != hl.size()) return false;
  for (std::size_t i = 0; i < pl.size(); ++i) {
    if (pl[i] != "*" && pl[i] != hl[i]) return false;
  }
  return true;
}

std::string corrected_pattern(std::string_view pattern) {
  const std::string p = normalised(pattern);
  return valid_domain(std::string_view(p).substr(p.starts_with("*.") ? 2 : 0)) ? p : std::string();
}

}  // namespace mc::policy::mta_sts
