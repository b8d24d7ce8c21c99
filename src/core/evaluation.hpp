// evaluation.hpp - what a checker's pure evaluation concludes, and the one rule that turns it
// into an area's status.
//
// Every checker has the same three parts (docs/architecture.md):
//   collect_<area>(...)  -> <Area>Data     I/O only: typed answers and probes
//   evaluate_<area>(data) -> Evaluation    pure: the area's state and its findings
//   <area>_view(data, evaluation) -> AreaView   rendering: summary, facts, JSON details
// and area_report() puts them together. No checker sets a status: status_from derives it once,
// from the catalogue severities of the findings (a finding's severity is stated only in
// findings.cpp), for every area alike.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/report_model.hpp"

namespace mc {

// AreaState - the area as a whole, before its findings are weighed.
enum class AreaState {
  kEvaluated,     // it applies and was judged: the status is its worst finding's severity
  kNotDeployed,   // nothing is deployed (status none), whatever the findings advise
  kUndetermined,  // it could not be determined (status error); the findings say why
};

// status_from - none or error from the state; otherwise fail for a critical finding, warn for a
// warning, pass for none or only information.
Status status_from(std::span<const Finding> findings, AreaState state);

// Evaluation - the output of every evaluate_<area>.
struct Evaluation {
  AreaState state = AreaState::kEvaluated;
  std::vector<Finding> findings;
  std::vector<Advisory> advisories;  // advice about the future, beside the verdict

  // add - a finding whose id is checked against the catalogue (an unknown id aborts); the
  // finding is returned for the fields few areas use (rule_set).
  Finding& add(std::string_view id, std::string subject, std::string summary,
               std::vector<std::string> evidence = {}, std::string recommendation = {});
  bool has(std::string_view id) const;
};

// AreaView - an area rendered for people (summary, facts) and machines (details).
struct AreaView {
  std::string summary;
  std::vector<Fact> facts;
  nlohmann::json details = nlohmann::json::object();
};

// area_report - the AreaReport of one area: the only place an area's status is set.
AreaReport area_report(Area area, Evaluation evaluation, AreaView view, double elapsed_ms = 0);

}  // namespace mc
