// lab_main.cpp - gtest main for lab tests: joins the lab's network namespace (setns, the same as
// `ip netns exec`) before any test runs, so every lookup goes only to the lab's loopback servers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "lab_support.hpp"

namespace mc::lab {
namespace {
LabEnv g_env;
}  // namespace

const LabEnv& env() { return g_env; }

dns::ResolverConfig resolver_config(std::chrono::milliseconds query_timeout) {
  dns::ResolverConfig c;
  c.forwarders = {g_env.resolver};
  c.trust_anchor_file = g_env.trust_anchor;
  c.query_timeout = query_timeout;
  return c;
}

audit::AuditOptions audit_options(const std::string& domain, std::chrono::milliseconds timeout,
                                  std::chrono::milliseconds query_timeout) {
  auto name = DomainName::parse(domain);
  EXPECT_TRUE(name) << domain;
  audit::AuditOptions o(name ? *name : *DomainName::parse("invalid"));
  o.resolver = resolver_config(query_timeout);
  o.timeout = timeout;
  o.ca_file = g_env.ca;
  // Short SMTP step deadlines: the lab's misbehaving servers answer "slow" or not at all.
  o.smtp_timeouts = {std::chrono::seconds(3), std::chrono::seconds(4), std::chrono::seconds(4),
                     std::chrono::seconds(4)};
  return o;
}

Report audit(const std::string& domain, std::chrono::milliseconds timeout,
             std::chrono::milliseconds query_timeout) {
  auto r = audit::run_audit(audit_options(domain, timeout, query_timeout));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : Report{};
}

std::vector<std::string> finding_ids(const Report& report, Area area) {
  std::vector<std::string> out;
  if (const auto* a = report.area(area)) {
    for (const auto& f : a->findings) out.push_back(f.id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mc::lab

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();

  const char* dir = std::getenv("MAILCHECK_LAB_DIR");
  if (dir == nullptr) {
    std::fprintf(stderr, "lab tests: MAILCHECK_LAB_DIR is not set; run them through ctest\n");
    return 2;
  }
  std::ifstream in(std::string(dir) + "/env");
  if (!in) {
    std::fprintf(stderr, "lab tests: %s/env is missing; is the lab running (lab/lab.sh start)?\n",
                 dir);
    return 2;
  }
  std::map<std::string, std::string> kv;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"')) {
      value = value.substr(1, value.size() - 2);
    }
    kv[line.substr(0, eq)] = value;
  }
  auto& e = const_cast<mc::lab::LabEnv&>(mc::lab::env());
  e = {kv["LAB_NS"],           kv["LAB_DIR"], kv["LAB_RESOLVER"],
       kv["LAB_TRUST_ANCHOR"], kv["LAB_CA"],  kv["LAB_BLACKHOLE"]};
  const std::string ns_path = "/run/netns/" + e.ns;
  int fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
    std::perror(("lab tests: cannot enter network namespace " + ns_path).c_str());
    return 2;
  }
  ::close(fd);
  return RUN_ALL_TESTS();
}
