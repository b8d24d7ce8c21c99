// smtp_reply.hpp - SMTP reply parsing (RFC 5321 §4.2). PURE: bytes in, replies out, no I/O.
//
// SmtpReplyReader is fed whatever the server sent and returns complete replies: multi-line replies
// ("250-..." continuation lines, "250 ..." last line) become one SmtpReply. Server bytes are
// hostile: a line that is not "ddd", "ddd text" or "ddd-text", a continuation with a different
// code, an over-long line or too many lines is an error value, never a crash or unbounded memory.
// Fuzzed by tests/fuzz/fuzz_smtp_reply.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mc::net {

// RFC 5321 §4.5.3.1.5 says 512 octets; real servers exceed it a little, so the hard limit is
// larger, and longer lines are reported (line_too_long) rather than silently accepted.
inline constexpr std::size_t kMaxReplyLine = 2048;
inline constexpr std::size_t kRfcReplyLine = 512;
inline constexpr std::size_t kMaxReplyLines = 128;

struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;  // the text after "ddd-" / "ddd ", one per line
  bool over_long_line = false;     // some line exceeded 512 octets (RFC 5321 §4.5.3.1.5)
  bool bare_lf = false;            // some line ended in LF without CR

  int kind() const { return code / 100; }  // 2 positive, 3 intermediate, 4 transient, 5 permanent
  std::string text() const;                // "250-a\n250 b" style, for evidence
};

class SmtpReplyReader {
 public:
  void feed(std::string_view bytes);
  // next - a complete reply, an error (the stream is then unusable), or nullopt for "need more".
  std::optional<Result<SmtpReply>> next();
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
  SmtpReply partial_;
  bool in_reply_ = false;
  bool failed_ = false;
};

// ehlo_keywords - the extension keywords of an EHLO reply, upper case (RFC 5321 §2.4: keywords
// are case-insensitive), from every line but the first (the greeting).
std::vector<std::string> ehlo_keywords(const SmtpReply& ehlo);
bool has_keyword(const std::vector<std::string>& keywords, std::string_view keyword);

}  // namespace mc::net
