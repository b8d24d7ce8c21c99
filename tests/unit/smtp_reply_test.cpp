// smtp_reply_test.cpp - SMTP reply parsing on scripted server transcripts (RFC 5321 §4.2).
#include "net/smtp_reply.hpp"

#include <gtest/gtest.h>

namespace mc::net {
namespace {

SmtpReply one(SmtpReplyReader& r) {
  auto n = r.next();
  EXPECT_TRUE(n.has_value());
  EXPECT_TRUE(n && *n) << (n && !*n ? n->error().message : "");
  return n && *n ? **n : SmtpReply{};
}

TEST(SmtpReply, SingleLine) {
  SmtpReplyReader r;
  r.feed("220 mx.example.nz ESMTP ready\r\n");
  auto rep = one(r);
  EXPECT_EQ(rep.code, 220);
  EXPECT_EQ(rep.lines, std::vector<std::string>{"mx.example.nz ESMTP ready"});
  EXPECT_FALSE(r.next().has_value());
}

TEST(SmtpReply, MultiLineArrivingInPieces) {
  SmtpReplyReader r;
  r.feed("250-mx.example.nz\r\n250-PIPE");
  EXPECT_FALSE(r.next().has_value());
  r.feed("LINING\r\n250-starttls\r\n250 8BITMIME\r\n");
  auto rep = one(r);
  EXPECT_EQ(rep.code, 250);
  ASSERT_EQ(rep.lines.size(), 4u);
  EXPECT_EQ(ehlo_keywords(rep), (std::vector<std::string>{"PIPELINING", "STARTTLS", "8BITMIME"}));
  EXPECT_TRUE(has_keyword(ehlo_keywords(rep), "STARTTLS"));
  EXPECT_EQ(rep.text(), "250-mx.example.nz\n250-PIPELINING\n250-starttls\n250 8BITMIME");
}

TEST(SmtpReply, BareCodeAndBareLf) {
  SmtpReplyReader r;
  r.feed("250\n");
  auto rep = one(r);
  EXPECT_EQ(rep.code, 250);
  EXPECT_TRUE(rep.bare_lf);
}

TEST(SmtpReply, TwoRepliesInOneRead) {
  SmtpReplyReader r;
  r.feed("220 ready\r\n250 ok\r\n");
  EXPECT_EQ(one(r).code, 220);
  EXPECT_EQ(r.buffered(), 8u);  // what a server sent ahead (pipelining, rule 92)
  EXPECT_EQ(one(r).code, 250);
}

TEST(SmtpReply, GarbageIsAnError) {
  SmtpReplyReader r;
  r.feed("HTTP/1.1 400 Bad Request\r\n");
  auto n = r.next();
  ASSERT_TRUE(n.has_value());
  ASSERT_FALSE(*n);
  EXPECT_NE(n->error().message.find("not an SMTP reply line"), std::string::npos);
  r.feed("220 too late\r\n");
  ASSERT_TRUE(r.next().has_value());  // the stream stays failed
}

TEST(SmtpReply, InvalidCodesAreErrors) {
  for (const char* bad : {"620 x\r\n", "2a0 x\r\n", "260 x\r\n", "25 x\r\n", "250x\r\n"}) {
    SmtpReplyReader r;
    r.feed(bad);
    auto n = r.next();
    ASSERT_TRUE(n.has_value()) << bad;
    EXPECT_FALSE(*n) << bad;
  }
}

TEST(SmtpReply, ContinuationWithAnotherCodeIsAnError) {
  SmtpReplyReader r;
  r.feed("250-a\r\n251 b\r\n");
  auto n = r.next();
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(*n);
}

TEST(SmtpReply, OverlongLinesAreBounded) {
  SmtpReplyReader r;
  r.feed("220 " + std::string(600, 'x') + "\r\n");
  EXPECT_TRUE(one(r).over_long_line);
  SmtpReplyReader r2;
  r2.feed("220 " + std::string(kMaxReplyLine + 10, 'x'));  // no newline yet, already too long
  auto n = r2.next();
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(*n);
}

TEST(SmtpReply, TooManyLinesIsAnError) {
  SmtpReplyReader r;
  std::string s;
  for (std::size_t i = 0; i <= kMaxReplyLines; ++i) s += "250-x\r\n";
  r.feed(s);
  auto n = r.next();
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(*n);
}

}  // namespace
}  // namespace mc::net
