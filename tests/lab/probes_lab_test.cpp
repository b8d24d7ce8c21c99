// probes_lab_test.cpp - the survey scanner's shared, polite SMTP probes (survey/probes.hpp)
// against the lab's real SMTP servers: the per-address connection limit, the interval between
// connections and the back-off after a 421 greeting. Each test gives the second probe a deadline
// that only the politeness rule can make it miss, so the outcome does not depend on timing.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "core/parallel.hpp"
#include "survey/probes.hpp"

namespace mc::lab {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

net::ProbeTarget target(const std::string& host, const std::string& address) {
  net::ProbeTarget t;
  t.host = host;
  t.address = address;
  t.ehlo_name = "scanner.lab.test";
  return t;
}

net::SmtpTimeouts within(std::chrono::milliseconds budget) {
  net::SmtpTimeouts to;
  to.overall = Clock::now() + budget;
  return to;
}

// both - probes a and b started at once (a first), as two audits of one scan would.
std::vector<net::ProbeResult> both(survey::SharedProbes& probes, net::ProbeTarget a,
                                   net::SmtpTimeouts ta, net::ProbeTarget b, net::SmtpTimeouts tb,
                                   asio::io_context& io) {
  std::vector<net::ProbeResult> out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<asio::awaitable<net::ProbeResult>> tasks;
        tasks.push_back(probes.probe(std::move(a), ta));
        tasks.push_back(probes.probe(std::move(b), tb));
        out = co_await when_all(std::move(tasks));
      },
      asio::detached);
  io.run();
  return out;
}

bool no_turn(const net::ProbeResult& r) {
  return r.failure && r.failure->step == net::ProbeStep::kConnect &&
         r.failure->detail.find("no turn to connect") != std::string::npos;
}

TEST(SharedProbes, OneConnectionAtATimePerAddress) {
  asio::io_context io;
  survey::SharedProbes probes(io.get_executor(), {1, std::chrono::milliseconds(0)});
  // A slow server holds the address's only slot longer than the second audit can wait.
  const std::string addr = "127.25.2.21";
  auto r =
      both(probes, target("mx.smtp-slow-replies.co.nz", addr), within(std::chrono::seconds(20)),
           target("other-name.lab.test", addr), within(std::chrono::milliseconds(500)), io);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].connected);
  EXPECT_TRUE(no_turn(r[1])) << (r[1].failure ? r[1].failure->detail : "no failure");
  EXPECT_EQ(r[1].target.host, "other-name.lab.test");
  EXPECT_EQ(probes.connections(), 1u);
}

TEST(SharedProbes, ConnectionsToOneAddressAreSpacedOut) {
  asio::io_context io;
  survey::SharedProbes probes(io.get_executor(), {4, std::chrono::seconds(10)});
  const std::string addr = "127.25.0.1";
  auto r = both(probes, target("mx1.good.co.nz", addr), within(std::chrono::seconds(20)),
                target("other-name.lab.test", addr), within(std::chrono::seconds(2)), io);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].tls_established());
  EXPECT_TRUE(no_turn(r[1])) << (r[1].failure ? r[1].failure->detail : "no failure");
  EXPECT_EQ(probes.connections(), 1u);
}

TEST(SharedProbes, A421GreetingIsNotAskedAgainDuringTheBackOff) {
  asio::io_context io;
  survey::SharedProbes probes(io.get_executor(), {1, std::chrono::milliseconds(0)});
  const std::string addr = "127.25.2.6";
  std::vector<net::ProbeResult> out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        out.push_back(co_await probes.probe(target("mx.smtp-banner-421.co.nz", addr),
                                            within(std::chrono::seconds(20))));
        // Another name on the same address, after the 421: within the back-off, its answer is
        // the server's last word, not a new connection.
        out.push_back(co_await probes.probe(target("other-name.lab.test", addr),
                                            within(std::chrono::seconds(2))));
      },
      asio::detached);
  io.run();
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].greeting);
  EXPECT_EQ(out[0].greeting->code, 421);
  ASSERT_TRUE(out[1].greeting);
  EXPECT_EQ(out[1].greeting->code, 421);
  EXPECT_EQ(out[1].target.host, "other-name.lab.test");
  EXPECT_EQ(probes.connections(), 1u);
}

}  // namespace
}  // namespace mc::lab
