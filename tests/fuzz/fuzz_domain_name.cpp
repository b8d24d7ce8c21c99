// fuzz_domain_name.cpp - DomainName::parse on arbitrary bytes (user input, IDN), and the invariants
// of what it accepts: canonical A-label form that parses to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/domain_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto name = mc::DomainName::parse(input);
  if (name) {
    if (name->str().size() > 253) std::abort();
    auto again = mc::DomainName::parse(name->str());
    if (!again || again->str() != name->str()) std::abort();  // canonical form is a fixed point
    (void)name->unicode();
    (void)name->labels();
  }
  (void)mc::normalize_dns_name(input);
  (void)mc::looks_like_ip_address(input);
  return 0;
}
