// fuzz_dmarc.cpp - DMARC record recognition, tag parsing and report URIs on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/dmarc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  namespace dmarc = mc::policy::dmarc;
  (void)dmarc::is_dmarc_record(in);
  auto r = dmarc::parse_dmarc(in);
  for (const auto& u : r.record.rua) (void)u.valid;
  (void)dmarc::parse_uri(in);
  return 0;
}
