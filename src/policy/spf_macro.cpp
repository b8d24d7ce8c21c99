// spf_macro.cpp - see spf_macro.hpp.
#include "policy/spf_macro.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "policy/text.hpp"

namespace mc::policy::spf {
namespace {

using text::lower;

// ip_dotted - %{i}: IPv4 dotted decimal; IPv6 as 32 dot-separated nibbles (§7.3).
std::string ip_dotted(const IpAddress& ip) {
  if (!ip.v6) return ip.text();
  std::string out;
  for (std::uint8_t b : ip.bytes) {
    if (!out.empty()) out += '.';
    out += fmt::format("{:X}.{:X}", b >> 4, b & 0xf);
  }
  return out;
}

// url_escape - RFC 3986 §2.3: everything but unreserved characters as %HH (§7.3, upper-case
// macro letters).
std::string url_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string macro_value(char letter, const MacroContext& ctx) {
  switch (letter) {
    case 's':
      return ctx.local_part + "@" + ctx.sender_domain;
    case 'l':
      return ctx.local_part;
    case 'o':
      return ctx.sender_domain;
    case 'd':
      return ctx.domain;
    case 'i':
      return ip_dotted(ctx.ip);
    case 'p':
      return ctx.ptr;
    case 'v':
      return ctx.ip.v6 ? "ip6" : "in-addr";
    case 'h':
      return ctx.helo;
    case 'c':
      return ctx.ip.text();
    case 'r':
      return ctx.receiver;
    case 't':
      return std::to_string(ctx.timestamp);
    default:
      return "";
  }
}

// transform - split on the delimiters, reverse if asked, keep the rightmost `keep` parts (0: all),
// join with "." (§7.3).
std::string transform(const std::string& value, std::string_view delimiters, bool reverse,
                      std::size_t keep) {
  if (delimiters.empty()) delimiters = ".";
  std::vector<std::string> parts(1);
  for (char c : value) {
    if (delimiters.find(c) != std::string_view::npos) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  if (keep > 0 && keep < parts.size()) parts.erase(parts.begin(), parts.end() - keep);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    out += parts[i];
  }
  return out;
}

}  // namespace

Result<std::string> expand(std::string_view s, const MacroContext& ctx, bool explanation) {
  if (auto e = check_macro_string(s, explanation)) {
    return make_error(ErrorKind::kMalformed, e->message);
  }
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    const char next = s[i + 1];  // check_macro_string guarantees a complete token
    if (next == '%') {
      out += '%';
      i += 2;
      continue;
    }
    if (next == '_') {
      out += ' ';
      i += 2;
      continue;
    }
    if (next == '-') {
      out += "%20";
      i += 2;
      continue;
    }
    std::size_t j = i + 2;
    const char letter = s[j++];
    std::size_t keep = 0;
    while (s[j] >= '0' && s[j] <= '9') {
      // More parts than a name can have (127) means "all of them".
      keep = std::min<std::size_t>(keep * 10 + static_cast<std::size_t>(s[j] - '0'), 1000);
      ++j;
    }
    bool reverse = false;
    if (lower(s[j]) == 'r') {
      reverse = true;
      ++j;
    }
    const std::size_t delim_start = j;
    while (s[j] != '}') ++j;
    const std::string_view delimiters = s.substr(delim_start, j - delim_start);
    std::string value = transform(macro_value(lower(letter), ctx), delimiters, reverse, keep);
    if (letter >= 'A' && letter <= 'Z') value = url_escape(value);
    out += value;
    i = j + 1;
  }
  return out;
}

bool uses_p(std::string_view s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%' && s[i + 1] == '%') {
      ++i;  // "%%{p}" is a literal
      continue;
    }
    if (s[i] == '%' && s[i + 1] == '{' && lower(s[i + 2]) == 'p') return true;
  }
  return false;
}

std::string truncate_domain(std::string name) {
  const bool dot = !name.empty() && name.back() == '.';
  if (dot) name.pop_back();
  while (name.size() > 253) {
    const std::size_t cut = name.find('.');
    if (cut == std::string::npos) break;
    name.erase(0, cut + 1);
  }
  return name;
}

SenderParts sender_parts(std::string_view sender, std::string_view helo) {
  if (sender.empty()) return {"postmaster", std::string(helo)};
  const std::size_t at = sender.rfind('@');
  if (at == std::string_view::npos) return {"postmaster", std::string(sender)};
  std::string local(sender.substr(0, at));
  if (local.empty()) local = "postmaster";
  return {local, std::string(sender.substr(at + 1))};
}

}  // namespace mc::policy::spf
