// evaluation.cpp - see evaluation.hpp.
#include "core/evaluation.hpp"

#include <algorithm>

#include "core/findings.hpp"

namespace mc {

Status status_from(std::span<const Finding> findings, AreaState state) {
  if (state == AreaState::kNotDeployed) return Status::kNone;
  if (state == AreaState::kUndetermined) return Status::kError;
  Severity worst = Severity::kInfo;
  for (const auto& f : findings) worst = std::max(worst, finding_def(f.id).severity);
  switch (worst) {
    case Severity::kCritical:
      return Status::kFail;
    case Severity::kWarning:
      return Status::kWarn;
    case Severity::kInfo:
      break;
  }
  return Status::kPass;
}

Finding& Evaluation::add(std::string_view id, std::string subject, std::string summary,
                         std::vector<std::string> evidence, std::string recommendation) {
  return findings.emplace_back(make_finding(id, std::move(subject), std::move(summary),
                                            std::move(evidence), std::move(recommendation)));
}

bool Evaluation::has(std::string_view id) const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.id == id; });
}

AreaReport area_report(Area area, Evaluation evaluation, AreaView view, double elapsed_ms) {
  AreaReport r;
  r.area = area;
  r.status = status_from(evaluation.findings, evaluation.state);
  r.summary = std::move(view.summary);
  r.facts = std::move(view.facts);
  r.details = std::move(view.details);
  r.findings = std::move(evaluation.findings);
  r.advisories = std::move(evaluation.advisories);
  r.elapsed_ms = elapsed_ms;
  return r;
}

}  // namespace mc
