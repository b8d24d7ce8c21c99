// report_model.cpp - names of the report enums; see report_model.hpp.
#include "core/report_model.hpp"

#include <array>
#include <utility>

namespace mc {
namespace {
constexpr std::array<std::pair<Area, std::string_view>, 10> kAreaNames{{
    {Area::kMx, "mx"},
    {Area::kDnssec, "dnssec"},
    {Area::kDane, "dane"},
    {Area::kStarttls, "starttls"},
    {Area::kMtaSts, "mta_sts"},
    {Area::kTlsRpt, "tls_rpt"},
    {Area::kSpf, "spf"},
    {Area::kDkim, "dkim"},
    {Area::kDmarc, "dmarc"},
    {Area::kBimi, "bimi"},
}};
}  // namespace

std::string_view to_string(Area area) {
  for (const auto& [a, name] : kAreaNames) {
    if (a == area) return name;
  }
  return "unknown";
}

std::optional<Area> area_from_string(std::string_view text) {
  for (const auto& [a, name] : kAreaNames) {
    if (name == text) return a;
  }
  return std::nullopt;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kPass:
      return "pass";
    case Status::kWarn:
      return "warn";
    case Status::kFail:
      return "fail";
    case Status::kNone:
      return "none";
    case Status::kError:
      return "error";
  }
  return "error";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

const AreaReport* Report::area(Area a) const {
  for (const auto& r : areas) {
    if (r.area == a) return &r;
  }
  return nullptr;
}

bool Report::any_failed() const {
  for (const auto& r : areas) {
    if (r.area == Area::kBimi) continue;  // information only
    if (r.status == Status::kFail || r.status == Status::kError) return true;
  }
  return false;
}

}  // namespace mc
