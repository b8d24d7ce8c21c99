// priority.cpp - the order in which the report lists what to fix; see render.hpp.
#include <algorithm>

#include "core/findings.hpp"
#include "report/render.hpp"

namespace mc::report {
namespace {

int severity_rank(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return 0;
    case Severity::kWarning:
      return 1;
    case Severity::kInfo:
      return 2;
  }
  return 3;
}

// area_rank - mail that cannot arrive first, then what exposes it in transit, then forgery.
int area_rank(Area a) {
  switch (a) {
    case Area::kMx:
      return 0;
    case Area::kStarttls:
      return 1;
    case Area::kDane:
      return 2;
    case Area::kMtaSts:
      return 3;
    case Area::kDmarc:
      return 4;
    case Area::kSpf:
      return 5;
    case Area::kDnssec:
      return 6;
    case Area::kDkim:
      return 7;
    case Area::kTlsRpt:
      return 8;
    case Area::kBimi:
      return 9;
  }
  return 10;
}

}  // namespace

std::vector<const Finding*> by_impact(const Report& report) {
  struct Item {
    const Finding* finding;
    int severity;
    int area;
    std::size_t order;
  };
  std::vector<Item> items;
  for (const auto& a : report.areas) {
    for (const auto& f : a.findings) {
      if (f.recommendation.empty()) continue;
      items.push_back(
          {&f, severity_rank(finding_def(f.id).severity), area_rank(a.area), items.size()});
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& x, const Item& y) {
    return std::tie(x.severity, x.area, x.order) < std::tie(y.severity, y.area, y.order);
  });
  std::vector<const Finding*> out;
  for (const auto& i : items) out.push_back(i.finding);
  return out;
}

}  // namespace mc::report
