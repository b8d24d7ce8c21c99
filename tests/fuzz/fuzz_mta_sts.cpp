// fuzz_mta_sts.cpp - the MTA-STS TXT record and policy parsers and MX matching on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/mta_sts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  namespace sts = mc::policy::mta_sts;
  (void)sts::is_sts_record(in);
  (void)sts::parse_txt(in);
  auto p = sts::parse_policy(in);
  for (const auto& mx : p.policy.mx) (void)sts::mx_matches(mx, "mx.example.com");
  for (const auto& m : p.policy.mx_malformed) {
    (void)sts::mx_matches_lenient(m.pattern, "mx.eu.example.com");
    (void)sts::corrected_pattern(m.pattern);
  }
  const std::size_t cut = in.find('\n');
  if (cut != std::string_view::npos) {
    (void)sts::mx_matches(in.substr(0, cut), in.substr(cut + 1));
    (void)sts::mx_matches_lenient(in.substr(0, cut), in.substr(cut + 1));
  }
  (void)sts::corrected_pattern(in);
  return 0;
}
