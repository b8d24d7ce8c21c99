// findings.hpp - the findings catalogue: every observation the tool can report, with a stable id.
//
// Ids are part of the output contract (JSON "findings[].id"): never rename one, only add or retire.
// docs/findings.md is generated from this table (`mailcheck findings --format markdown`), and a
// test keeps the two in step.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/report_model.hpp"

namespace mc {

struct FindingDef {
  std::string_view id;
  Area area;
  Severity severity;
  std::string_view title;        // one line, general
  std::string_view explanation;  // why it matters
  std::string_view reference;    // the RFC sections the rule rests on
};

std::span<const FindingDef> finding_catalogue();

// finding_def - the catalogue entry for id. An unknown id is a programmer error: it aborts.
const FindingDef& finding_def(std::string_view id);

// make_finding - a Finding whose id is checked against the catalogue.
Finding make_finding(std::string_view id, std::string subject, std::string summary,
                     std::vector<std::string> evidence = {}, std::string recommendation = {});

// add_finding - make_finding, appended to the area's findings.
void add_finding(AreaReport& area, std::string_view id, std::string subject, std::string summary,
                 std::vector<std::string> evidence = {}, std::string recommendation = {});

// catalogue_markdown - docs/findings.md, generated.
std::string catalogue_markdown();

}  // namespace mc
