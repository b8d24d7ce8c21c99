// lab_support.hpp - what lab tests share: the running lab's settings and an audit helper.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "audit/audit.hpp"
#include "core/report_model.hpp"

namespace mc::lab {

struct LabEnv {
  std::string ns;
  std::string dir;
  std::string resolver;
  std::string trust_anchor;
  std::string ca;
  std::string blackhole;  // a name server that never answers
};

// env - the settings lab_main.cpp read from $MAILCHECK_LAB_DIR/env.
const LabEnv& env();

// resolver_config - forward to the lab recursor, validate against the lab root anchor.
dns::ResolverConfig resolver_config(
    std::chrono::milliseconds query_timeout = std::chrono::seconds(5));

// audit_options - how lab tests audit a lab domain (lab recursor and CA, short SMTP deadlines).
audit::AuditOptions audit_options(
    const std::string& domain, std::chrono::milliseconds timeout = std::chrono::seconds(20),
    std::chrono::milliseconds query_timeout = std::chrono::seconds(5));

// audit - run a full audit of a lab domain; fails the test when the audit cannot run.
Report audit(const std::string& domain,
             std::chrono::milliseconds timeout = std::chrono::seconds(20),
             std::chrono::milliseconds query_timeout = std::chrono::seconds(5));

// blackholed - resolver settings that forward every query to the lab's black hole, so that a
// lookup can only time out: the lab recursor, once it has given up on the black-holed zone,
// answers SERVFAIL at once for a while, which would hide what a deadline does.
inline dns::ResolverConfig blackholed(dns::ResolverConfig config) {
  config.forwarders = {env().blackhole};
  return config;
}

// audit_blackholed - audit() with every query sent to the black hole.
inline Report audit_blackholed(const std::string& domain, std::chrono::milliseconds timeout,
                               std::chrono::milliseconds query_timeout) {
  auto options = audit_options(domain, timeout, query_timeout);
  options.resolver = blackholed(options.resolver);
  auto report = audit::run_audit(options);
  if (!report) ADD_FAILURE() << report.error().message;
  return report ? std::move(*report) : Report{};
}

std::vector<std::string> finding_ids(const Report& report, Area area);

// domain_test_name - a gtest parameter name from a lab domain ("dane-ok.co.nz" -> dane_ok_co_nz).
template <class Info>
std::string domain_test_name(const Info& info) {
  std::string n = info.param.domain;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

}  // namespace mc::lab
