// fuzz_smtp_reply.cpp - SmtpReplyReader on arbitrary server bytes, fed in uneven pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/smtp_reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mc::net::SmtpReplyReader reader;
  std::size_t pos = 0;
  std::size_t step = size > 0 ? (data[0] % 17) + 1 : 1;
  while (pos < in.size()) {
    reader.feed(in.substr(pos, step));
    pos += step;
    while (auto r = reader.next()) {
      if (!*r) return 0;
      if ((*r)->lines.size() > mc::net::kMaxReplyLines) std::abort();
      (void)mc::net::ehlo_keywords(**r);
      (void)(*r)->text();
    }
    if (reader.buffered() > mc::net::kMaxReplyLine + step) std::abort();  // memory stays bounded
  }
  return 0;
}
