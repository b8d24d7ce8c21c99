// fuzz_dkim.cpp - DKIM key records (tags, base64 and the key decoders) on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/dkim.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = mc::policy::dkim::parse_dkim_key(in);
  (void)r.key.testing();
  (void)r.key.sha256_allowed();
  (void)r.key.for_email();
  return 0;
}
