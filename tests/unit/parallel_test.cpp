// parallel_test.cpp - when_all runs tasks at once and keeps results in task order.
#include "core/parallel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace mc {
namespace {

namespace asio = boost::asio;

asio::awaitable<int> delayed(int value, int ms, std::vector<int>& finished) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  finished.push_back(value);
  co_return value;
}

TEST(WhenAll, ResultsFollowTaskOrderNotCompletionOrder) {
  asio::io_context io;
  std::vector<int> got;
  std::vector<int> finished;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<asio::awaitable<int>> tasks;
        tasks.push_back(delayed(1, 60, finished));
        tasks.push_back(delayed(2, 10, finished));
        tasks.push_back(delayed(3, 30, finished));
        got = co_await when_all(std::move(tasks));
      },
      asio::detached);
  io.run();
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  // Run one after another they would finish 1, 2, 3; run at once, the shortest wait ends first.
  EXPECT_EQ(finished, (std::vector<int>{2, 3, 1}));
}

TEST(WhenAll, EmptyIsEmpty) {
  asio::io_context io;
  bool ran = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto v = co_await when_all(std::vector<asio::awaitable<int>>{});
        ran = v.empty();
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace mc
