// fuzz_domain_list.cpp - a survey's domain list: any bytes give a list of distinct domain names
// and rejected lines numbered in order, never a crash.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "core/domain_name.hpp"
#include "survey/domain_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto list = mc::survey::parse_domain_list(in);
  std::set<std::string> seen;
  for (const auto& d : list.domains) {
    if (!seen.insert(d).second) __builtin_trap();     // each name once
    if (!mc::DomainName::parse(d)) __builtin_trap();  // and every one a valid name
  }
  std::size_t last = 0;
  for (const auto& r : list.rejected) {
    if (r.line <= last || r.why.empty()) __builtin_trap();
    last = r.line;
  }
  return 0;
}
