// fuzz_address_class.cpp - the SSRF guard's address classification on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/address_class.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)mc::to_string(mc::classify_address(in));
  (void)mc::is_public(in);
  return 0;
}
