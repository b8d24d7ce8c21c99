// parallel.hpp - run a dynamic number of coroutines at once and collect their results in order.
//
// when_all(tasks): spawns every awaitable on the current executor and resumes when all are done;
// result i belongs to task i. An exception in a task is a programmer error and is rethrown.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

namespace mc {

template <class T>
boost::asio::awaitable<std::vector<T>> when_all(std::vector<boost::asio::awaitable<T>> tasks) {
  namespace asio = boost::asio;
  if (tasks.empty()) co_return std::vector<T>{};
  auto executor = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(executor, std::move(tasks.front()), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(tasks.size());
  for (auto& task : tasks) ops.push_back(asio::co_spawn(executor, std::move(task), asio::deferred));
  auto [order, exceptions, values] =
      co_await asio::experimental::make_parallel_group(std::move(ops))
          .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  for (const auto& e : exceptions) {
    if (e) std::rethrow_exception(e);
  }
  co_return std::vector<T>(std::make_move_iterator(values.begin()),
                           std::make_move_iterator(values.end()));
}

}  // namespace mc
