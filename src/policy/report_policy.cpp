// report_policy.cpp - see report_policy.hpp.
#include "policy/report_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "policy/text.hpp"

namespace mc::policy {
namespace {

using text::to_lower;
using text::trim;

// fields - "name=value" pairs separated by ';' (names as written); a part without '=' is an error.
std::vector<std::pair<std::string, std::string_view>> fields(std::string_view txt,
                                                             std::vector<std::string>& errors) {
  std::vector<std::pair<std::string, std::string_view>> out;
  std::size_t s = 0;
  while (s <= txt.size()) {
    std::size_t e = txt.find(';', s);
    if (e == std::string_view::npos) e = txt.size();
    const std::string_view part = trim(txt.substr(s, e - s));
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        errors.push_back(fmt::format("'{}' is not a name=value field", part));
      } else {
        out.emplace_back(std::string(trim(part.substr(0, eq))), trim(part.substr(eq + 1)));
      }
    }
    if (e == txt.size()) break;
    s = e + 1;
  }
  return out;
}

bool starts_with_version(std::string_view txt, std::string_view version) {
  txt = trim(txt);
  if (txt.substr(0, version.size()) != version) return false;
  const std::string_view rest = trim(txt.substr(version.size()));
  return rest.empty() || rest.front() == ';';
}

bool https_uri(std::string_view v, std::string_view extension) {
  auto u = dmarc::parse_uri(v);
  if (!u.valid || u.scheme != "https" || u.max_size) return false;
  std::string path = to_lower(u.uri);
  path = path.substr(0, path.find_first_of("?#"));
  return path.ends_with(extension);
}

}  // namespace

bool is_tlsrpt_record(std::string_view txt) { return starts_with_version(txt, "v=TLSRPTv1"); }

TlsRptParse parse_tlsrpt(std::string_view txt) {
  TlsRptParse out;
  if (!is_tlsrpt_record(txt)) out.errors.push_back("the record must start with v=TLSRPTv1");
  const auto fs = fields(txt, out.errors);
  bool rua_seen = false;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const auto& [name, value] = fs[i];
    if (name == "v") {
      if (i != 0) out.errors.push_back("v= must be the first field");
    } else if (name == "rua") {
      if (rua_seen) out.errors.push_back("rua= appears more than once");
      rua_seen = true;
      std::size_t s = 0;
      while (s <= value.size()) {
        std::size_t e = value.find(',', s);
        if (e == std::string_view::npos) e = value.size();
        auto u = dmarc::parse_uri(value.substr(s, e - s));
        // RFC 8460 §3: mailto: or https:, nothing else (and no DMARC-style size suffix).
        if (!u.valid) {
          out.errors.push_back(fmt::format("rua: {}", u.error));
        } else if (u.max_size || (u.scheme != "mailto" && u.scheme != "https")) {
          out.errors.push_back(fmt::format("rua: '{}' is not a mailto: or https: URI", u.text));
        }
        out.record.rua.push_back(std::move(u));
        if (e == value.size()) break;
        s = e + 1;
      }
    } else {
      out.record.extensions.push_back(name);
    }
  }
  if (!rua_seen) out.errors.push_back("rua= is missing");
  return out;
}

bool is_bimi_record(std::string_view txt) { return starts_with_version(txt, "v=BIMI1"); }

BimiParse parse_bimi(std::string_view txt) {
  BimiParse out;
  if (!is_bimi_record(txt)) out.errors.push_back("the record must start with v=BIMI1");
  bool l_seen = false;
  for (const auto& [name, value] : fields(txt, out.errors)) {
    if (name == "l") {
      l_seen = true;
      out.record.logo = std::string(value);
      out.record.declined = value.empty();
      if (!value.empty() && !https_uri(value, ".svg")) {
        out.errors.push_back(fmt::format("l={} is not an https URI of an SVG file", value));
      }
    } else if (name == "a") {
      out.record.certificate = std::string(value);
      if (!value.empty() && !https_uri(value, ".pem")) {
        out.errors.push_back(fmt::format("a={} is not an https URI of a PEM file", value));
      }
    }
  }
  if (!l_seen) out.errors.push_back("l= is missing");
  return out;
}

}  // namespace mc::policy
