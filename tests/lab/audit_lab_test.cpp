// audit_lab_test.cpp - the audit as a whole: areas streamed as they are decided, and the SSRF
// guard of a public service (public_only) against the lab, whose hosts all live on loopback.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>

#include "checks/transport.hpp"
#include "lab_support.hpp"

namespace mc {
namespace {

using lab::audit_options;
using lab::finding_ids;

// Streaming: every area is handed over exactly once, and what was streamed is what the final
// report holds (a page filled from the stream shows the same as the report).
TEST(AuditLab, StreamsEveryAreaOnceAndAsTheReportHoldsIt) {
  boost::asio::io_context io;
  std::vector<AreaReport> streamed;
  std::optional<Result<Report>> final;
  boost::asio::co_spawn(io,
                        audit::audit_domain(audit_options("good.co.nz"),
                                            [&](const AreaReport& a) { streamed.push_back(a); }),
                        [&](std::exception_ptr e, Result<Report> r) {
                          ASSERT_FALSE(e);
                          final = std::move(r);
                        });
  io.run();
  ASSERT_TRUE(final && *final);
  const Report& report = **final;
  ASSERT_EQ(streamed.size(), kAreaCount);
  std::set<Area> seen;
  for (const auto& a : streamed) {
    EXPECT_TRUE(seen.insert(a.area).second) << to_string(a.area) << " streamed twice";
    const AreaReport* in_report = report.area(a.area);
    ASSERT_NE(in_report, nullptr);
    EXPECT_EQ(a.status, in_report->status) << to_string(a.area);
    EXPECT_EQ(a.summary, in_report->summary) << to_string(a.area);
    EXPECT_EQ(a.findings.size(), in_report->findings.size()) << to_string(a.area);
  }
  // Report order is fixed whatever the order of completion.
  for (std::size_t i = 0; i < report.areas.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(report.areas[i].area), i);
  }
}

// Streaming order follows the data, not the report order: DMARC needs one TXT lookup and is
// decided before STARTTLS, which waits for the MX chain and a TLS handshake per address.
TEST(AuditLab, CheapAreasArriveBeforeTheMailPath) {
  boost::asio::io_context io;
  std::vector<Area> order;
  boost::asio::co_spawn(io,
                        audit::audit_domain(audit_options("good.co.nz"),
                                            [&](const AreaReport& a) { order.push_back(a.area); }),
                        [](std::exception_ptr e, Result<Report>) { ASSERT_FALSE(e); });
  io.run();
  auto pos = [&](Area a) { return std::find(order.begin(), order.end(), a) - order.begin(); };
  EXPECT_LT(pos(Area::kDmarc), pos(Area::kStarttls));
  EXPECT_LT(pos(Area::kMx), pos(Area::kStarttls));
}

// The guard off (the CLI's default, `serve --allow-private`): lab hosts are probed.
TEST(AuditLab, WithoutTheGuardLoopbackHostsAreProbed) {
  auto o = audit_options("sts-enforce.co.nz");
  auto r = audit::run_audit(o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->area(Area::kStarttls)->status, Status::kPass);
  EXPECT_EQ(r->area(Area::kMtaSts)->status, Status::kPass);
}

// The guard on: every lab address is loopback, so nothing is connected to; each address becomes
// a finding, and the DNS-only areas are still judged.
TEST(AuditLab, TheGuardConnectsToNoNonPublicAddress) {
  auto o = audit_options("sts-enforce.co.nz");
  o.public_only = true;
  auto r = audit::run_audit(o);
  ASSERT_TRUE(r);
  const AreaReport* st = r->area(Area::kStarttls);
  EXPECT_EQ(st->status, Status::kFail);
  EXPECT_EQ(finding_ids(*r, Area::kStarttls),
            std::vector<std::string>{"starttls.address_not_public"});
  for (const auto& h : st->details["hosts"]) {
    for (const auto& a : h["addresses"]) {
      EXPECT_FALSE(a["connected"].get<bool>());
      EXPECT_EQ(a["failure"]["kind"], "blocked");
    }
  }
  EXPECT_EQ(finding_ids(*r, Area::kMtaSts),
            std::vector<std::string>{"mta_sts.policy_host_not_public"});
  // The areas judged from DNS alone come out as without the guard.
  auto unguarded = audit::run_audit(audit_options("sts-enforce.co.nz"));
  ASSERT_TRUE(unguarded);
  for (Area a : {Area::kMx, Area::kDnssec, Area::kSpf, Area::kDkim, Area::kDmarc}) {
    EXPECT_EQ(r->area(a)->status, unguarded->area(a)->status) << to_string(a);
    EXPECT_EQ(finding_ids(*r, a), finding_ids(*unguarded, a)) << to_string(a);
  }
  EXPECT_EQ(r->area(Area::kMx)->status, Status::kPass);
}

// A host with twelve addresses: four are probed, the rest listed as not probed.
TEST(AuditLab, ProbesAreLimitedPerHost) {
  auto r = audit::run_audit(audit_options("mx-many-addresses.co.nz"));
  ASSERT_TRUE(r);
  const AreaReport* st = r->area(Area::kStarttls);
  ASSERT_EQ(st->details["hosts"].size(), 1u);
  EXPECT_EQ(st->details["hosts"][0]["addresses"].size(), checks::kProbesPerFamily);
  EXPECT_EQ(st->details["addresses_not_probed"].size(), 12 - checks::kProbesPerFamily);
  const auto ids = finding_ids(*r, Area::kStarttls);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "starttls.probe_limit"), ids.end());
}

// The audit's deadline bounds every SMTP step, not only the first. smtp-slow-replies answers
// each step 0.6 s late: every step is within its own 4 s, so a deadline applied per step at the
// probe's start would let greeting, EHLO, STARTTLS, TLS, EHLO and QUIT run about 3.6 s; the
// audit's 1.5 s must end the probe instead.
TEST(AuditLab, TheAuditDeadlineBoundsEveryStep) {
  auto o = audit_options("smtp-slow-replies.co.nz", std::chrono::milliseconds(1500));
  auto r = audit::run_audit(o);
  ASSERT_TRUE(r);
  EXPECT_LT(r->elapsed_ms, 1500 + 1000);
  // The probe was cut off by a timeout (given the time, it completes and passes).
  const auto& addr = r->area(Area::kStarttls)->details["hosts"][0]["addresses"][0];
  EXPECT_EQ(addr.value("failure", nlohmann::json::object()).value("kind", ""), "timeout")
      << addr.dump();
}

}  // namespace
}  // namespace mc
