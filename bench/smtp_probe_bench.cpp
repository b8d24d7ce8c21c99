// smtp_probe_bench.cpp - SMTP STARTTLS probe throughput: ROUNDS rounds over the given lab
// addresses, CONCURRENCY probes in flight at once. Prints handshakes per second. Run inside the
// lab namespace (bench/probe_bench.sh does), so every connection stays on loopback.
//   smtp_probe_bench CONCURRENCY ROUNDS HOST=ADDRESS...
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "net/smtp_probe.hpp"

namespace asio = boost::asio;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s CONCURRENCY ROUNDS HOST=ADDRESS...\n", argv[0]);
    return 2;
  }
  const int concurrency = std::atoi(argv[1]);
  const int rounds = std::atoi(argv[2]);
  std::vector<mc::net::ProbeTarget> targets;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    mc::net::ProbeTarget t;
    t.host = arg.substr(0, eq);
    t.address = arg.substr(eq + 1);
    targets.push_back(t);
  }
  std::vector<mc::net::ProbeTarget> work;
  for (int r = 0; r < rounds; ++r) work.insert(work.end(), targets.begin(), targets.end());

  asio::io_context io;
  int ok = 0;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < work.size(); i += static_cast<std::size_t>(concurrency)) {
          std::vector<asio::awaitable<mc::net::ProbeResult>> batch;
          for (std::size_t j = i; j < std::min(work.size(), i + concurrency); ++j) {
            batch.push_back(mc::net::probe_smtp(work[j]));
          }
          for (const auto& r : co_await mc::when_all(std::move(batch))) ok += r.tls_established();
        }
      },
      asio::detached);
  io.run();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("probes=%zu tls_ok=%d seconds=%.3f handshakes_per_second=%.1f\n", work.size(), ok,
              secs, ok / secs);
  return ok == static_cast<int>(work.size()) ? 0 : 1;
}
