// fuzz_tlsa.cpp - parse_tlsa and smtp_usability on arbitrary text split into four fields.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/tlsa.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> f;
  for (int i = 0; i < 3; ++i) {
    auto sp = in.find(' ');
    f.push_back(in.substr(0, sp));
    in = sp == std::string_view::npos ? std::string_view() : in.substr(sp + 1);
  }
  auto r = mc::policy::parse_tlsa(f[0], f[1], f[2], in);
  if (r) {
    (void)mc::policy::smtp_usability(*r);
    (void)r->text();
    (void)r->mnemonic();
  }
  return 0;
}
