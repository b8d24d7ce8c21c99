// fuzz_serve_input.cpp - the web checker's first look at a request: the domain a user typed (then
// parsed as a domain name) and the X-Forwarded-For header behind a trusted proxy.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/domain_name.hpp"
#include "serve/input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string candidate = mc::serve::normalise_domain_input(in);
  if (candidate.size() > in.size()) __builtin_trap();  // only ever removes text
  (void)mc::DomainName::parse(candidate);
  static const std::vector<std::string> trusted = {"127.0.0.1", "::1"};
  const std::string who = mc::serve::client_address("127.0.0.1", in, trusted);
  if (who.empty()) __builtin_trap();
  return 0;
}
