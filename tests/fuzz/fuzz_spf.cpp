// fuzz_spf.cpp - the SPF record parser and macro expansion on arbitrary text. The first byte picks
// the mode: record, macro-string, explain-string.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/spf_macro.hpp"
#include "policy/spf_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  namespace spf = mc::policy::spf;
  switch (data[0] % 3) {
    case 0: {
      (void)spf::is_spf_record(in);
      auto r = spf::parse_record(in);
      for (const auto& d : r.record.directives) (void)d.counts_lookup();
      (void)r.record.has_all();
      break;
    }
    default: {
      spf::MacroContext ctx;
      ctx.local_part = "strong-bad";
      ctx.sender_domain = "email.example.com";
      ctx.domain = "email.example.com";
      ctx.ip = *spf::parse_ip(data[0] & 4 ? "2001:db8::cb01" : "192.0.2.3");
      ctx.helo = "mx.example.org";
      const bool explanation = data[0] % 3 == 2;
      auto x = spf::expand(in, ctx, explanation);
      if (x) (void)spf::truncate_domain(*x);
      (void)spf::check_domain_spec(in);
      (void)spf::uses_p(in);
      (void)spf::parse_ip(in);
      (void)spf::sender_parts(in, "helo.example");
      break;
    }
  }
  return 0;
}
