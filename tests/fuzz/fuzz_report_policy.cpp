// fuzz_report_policy.cpp - TLS-RPT and BIMI record parsers on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/report_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)mc::policy::is_tlsrpt_record(in);
  (void)mc::policy::parse_tlsrpt(in);
  (void)mc::policy::is_bimi_record(in);
  (void)mc::policy::parse_bimi(in);
  return 0;
}
