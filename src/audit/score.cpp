// score.cpp - see score.hpp and docs/scoring.md.
#include "audit/score.hpp"

#include <algorithm>
#include <cmath>

#include "audit/audit_data.hpp"

namespace mc::audit {
namespace {

int status_score(Status s) {
  switch (s) {
    case Status::kPass:
      return 100;
    case Status::kWarn:
      return 60;
    default:
      return 0;
  }
}

int weight_of(Area a, bool non_mail) {
  if (non_mail) {
    switch (a) {
      case Area::kDnssec:
        return 20;
      case Area::kSpf:
        return 40;
      case Area::kDmarc:
        return 40;
      default:
        return 0;
    }
  }
  switch (a) {
    case Area::kDnssec:
      return 10;
    case Area::kDane:  // with mta_sts: transport authentication, the better of the two
      return 25;
    case Area::kStarttls:
      return 20;
    case Area::kTlsRpt:
      return 5;
    case Area::kSpf:
      return 15;
    case Area::kDkim:
      return 10;
    case Area::kDmarc:
      return 15;
    default:
      return 0;  // mx is a gate, mta_sts folds into dane, bimi is information only
  }
}

std::string letter(int score) {
  if (score >= 90) return "A";
  if (score >= 75) return "B";
  if (score >= 60) return "C";
  if (score >= 40) return "D";
  return "F";
}

}  // namespace

Grade grade(const Report& report) {
  Grade g;
  const AreaReport* mx = report.area(Area::kMx);
  g.non_mail_domain = report.data && report.data->null_mx();
  const AreaReport* sts = report.area(Area::kMtaSts);
  int total_weight = 0;
  double total = 0;
  bool any_fail = false;
  for (const auto& a : report.areas) {
    AreaScore s{a.area, weight_of(a.area, g.non_mail_domain), status_score(a.status)};
    Status status = a.status;
    if (a.area == Area::kDane && !g.non_mail_domain && sts) {
      // DANE (RFC 7672) and MTA-STS (RFC 8461) both authenticate the path: the better one
      // counts, and one that could not be determined leaves the other to decide.
      if (status == Status::kError) {
        status = sts->status;
        s.score = status_score(status);
      } else if (sts->status != Status::kError) {
        s.score = std::max(s.score, status_score(sts->status));
      }
      if (sts->status == Status::kFail) any_fail = true;  // e.g. senders refuse an MX host
    }
    if (s.weight > 0 && status == Status::kError) {
      g.incomplete = true;
      s.weight = 0;
    }
    if (s.weight > 0 && status == Status::kFail) any_fail = true;
    total_weight += s.weight;
    total += double(s.weight) * s.score;
    g.areas.push_back(s);
  }
  for (const auto& n : report.not_tested) {
    if (weight_of(n.area, g.non_mail_domain) > 0) g.incomplete = true;
  }
  g.score = total_weight > 0 ? static_cast<int>(std::lround(total / total_weight)) : 0;
  g.letter = letter(g.score);
  if (mx && mx->status == Status::kFail) {
    g.letter = "F";
    g.capped_by = "the mx check failed: mail to the domain cannot be delivered as published";
  } else if (any_fail && g.score >= 60 && g.letter < "C") {
    g.letter = "C";
    g.capped_by = "a scored check failed";
  }
  return g;
}

}  // namespace mc::audit
