// fuzz_dmarc.cpp - DMARC record recognition, tag parsing, report URIs, and policy discovery (the
// DNS Tree Walk and the Public Suffix List path) over arbitrary records on arbitrary names.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "policy/dmarc.hpp"
#include "policy/dmarc_discovery.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  namespace dmarc = mc::policy::dmarc;
  (void)dmarc::is_dmarc_record(in);
  auto r = dmarc::parse_dmarc(in);
  for (const auto& u : r.record.rua) (void)u.valid;
  (void)dmarc::parse_uri(in);

  // The input's lines spread over the names of a long domain's walk; a line "!" fails a lookup.
  const std::string author = "a.b.c.d.e.f.g.h.example.co.nz";
  std::map<std::string, dmarc::TxtLookup, std::less<>> zone;
  std::vector<std::string> names{author};
  for (auto& n : dmarc::walk_names(author)) names.push_back(n);
  std::size_t i = 0, s = 0;
  while (s <= in.size()) {
    std::size_t e = in.find('\n', s);
    if (e == std::string_view::npos) e = in.size();
    const std::string_view line = in.substr(s, e - s);
    auto& t = zone[names[i++ % names.size()]];
    if (line == "!") {
      t.ok = false;
    } else {
      t.records.emplace_back(line);
    }
    if (e == in.size()) break;
    s = e + 1;
  }
  const dmarc::Lookup lookup = [&](std::string_view name) -> const dmarc::TxtLookup* {
    const auto it = zone.find(name);
    return it == zone.end() ? nullptr : &it->second;
  };
  for (const auto rules : {dmarc::RuleSet::kRfc9989, dmarc::RuleSet::kRfc7489}) {
    const auto d = dmarc::discover(rules, author, "example.co.nz", lookup);
    (void)dmarc::apply(d, author, i % 2 == 0);
  }
  (void)dmarc::organizational_domain_9989("x.example.co.nz", lookup);
  return 0;
}
