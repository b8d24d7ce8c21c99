// smtp_reply.cpp - see smtp_reply.hpp.
#include "net/smtp_reply.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.hpp"

namespace mc::net {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// shown - a line for an error message: its first 80 octets, printable.
std::string shown(std::string_view s) { return printable(s.substr(0, 80)); }

}  // namespace

std::string SmtpReply::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!out.empty()) out += '\n';
    out += fmt::format("{}{}{}", code, i + 1 == lines.size() ? ' ' : '-', lines[i]);
  }
  if (lines.empty()) out = std::to_string(code);
  return out;
}

void SmtpReplyReader::feed(std::string_view bytes) {
  if (!failed_) buffer_.append(bytes);
}

std::optional<Result<SmtpReply>> SmtpReplyReader::next() {
  if (failed_) return make_error(ErrorKind::kMalformed, "the reply stream already failed");
  while (true) {
    const auto eol = buffer_.find('\n');
    if (eol == std::string::npos) {
      if (buffer_.size() > kMaxReplyLine) {
        failed_ = true;
        return make_error(ErrorKind::kMalformed,
                          fmt::format("reply line longer than {} octets", kMaxReplyLine));
      }
      return std::nullopt;
    }
    std::string line = buffer_.substr(0, eol);
    buffer_.erase(0, eol + 1);
    bool bare_lf = true;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
      bare_lf = false;
    }
    if (line.size() > kMaxReplyLine) {
      failed_ = true;
      return make_error(ErrorKind::kMalformed,
                        fmt::format("reply line longer than {} octets", kMaxReplyLine));
    }
    // RFC 5321 §4.2: Reply-code [ SP textstring ] CRLF, or Reply-code "-" text for continuation;
    // the first digit is 2-5, the second 0-5.
    const bool shaped = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
                        line[1] <= '5' && is_digit(line[2]) &&
                        (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!shaped) {
      failed_ = true;
      return make_error(ErrorKind::kMalformed,
                        fmt::format("not an SMTP reply line: \"{}\"", shown(line)));
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (in_reply_ && code != partial_.code) {
      failed_ = true;
      return make_error(
          ErrorKind::kMalformed,
          fmt::format("continuation line with code {} inside a {} reply", code, partial_.code));
    }
    if (!in_reply_) {
      partial_ = SmtpReply{};
      partial_.code = code;
      in_reply_ = true;
    }
    partial_.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
    partial_.over_long_line |= line.size() + 2 > kRfcReplyLine;
    partial_.bare_lf |= bare_lf;
    if (partial_.lines.size() > kMaxReplyLines) {
      failed_ = true;
      return make_error(ErrorKind::kMalformed,
                        fmt::format("reply with more than {} lines", kMaxReplyLines));
    }
    if (line.size() == 3 || line[3] == ' ') {
      in_reply_ = false;
      return std::move(partial_);
    }
  }
}

std::vector<std::string> ehlo_keywords(const SmtpReply& ehlo) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view l = ehlo.lines[i];
    std::string kw(l.substr(0, l.find(' ')));
    std::transform(kw.begin(), kw.end(), kw.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!kw.empty()) out.push_back(std::move(kw));
  }
  return out;
}

bool has_keyword(const std::vector<std::string>& keywords, std::string_view keyword) {
  return std::find(keywords.begin(), keywords.end(), keyword) != keywords.end();
}

}  // namespace mc::net
